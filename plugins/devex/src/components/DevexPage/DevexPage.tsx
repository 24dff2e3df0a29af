import {
  Link as RouterLink,
  Navigate,
  Route,
  Routes,
  useLocation,
  useResolvedPath,
} from 'react-router-dom';
import { Content, Header, HeaderTabs, Page } from '@backstage/core-components';
import { AdoptionTab } from '../AdoptionTab';
import { DeliveryTab } from '../DeliveryTab';
import { GoldenPathsTab } from '../GoldenPathsTab';
import { ServiceLevelsTab } from '../ServiceLevelsTab';
import { TeamTab } from '../TeamTab';

/** The page's tabs; the same paths as the new frontend system's sub-pages. */
export const devexTabs = [
  { path: 'adoption', title: 'Adoption' },
  { path: 'golden-paths', title: 'Golden paths' },
  { path: 'service-levels', title: 'Service levels' },
  { path: 'delivery', title: 'Delivery' },
  { path: 'team', title: 'Team' },
];

/**
 * The DevEx page for apps on the legacy frontend system: header, tabs and
 * the same views the new frontend system mounts as sub-pages.
 */
export const DevexPage = () => {
  const { pathname, search } = useLocation();
  const base = useResolvedPath('.').pathname.replace(/\/$/, '');
  const first = pathname.slice(base.length).replace(/^\/+/, '').split('/')[0];
  const selected = Math.max(
    0,
    devexTabs.findIndex(tab => tab.path === first),
  );
  return (
    <Page themeId="tool">
      <Header
        title="DevEx"
        subtitle="Whether the platform helps: adoption, golden paths, service levels and delivery"
      />
      <HeaderTabs
        selectedIndex={selected}
        tabs={devexTabs.map(tab => ({
          id: tab.path,
          label: tab.title,
          tabProps: {
            component: RouterLink,
            // The filters travel with the tab.
            to: `${base}/${tab.path}${search}`,
          } as object,
        }))}
      />
      <Content>
        <Routes>
          <Route
            index
            element={<Navigate to={`adoption${search}`} replace />}
          />
          <Route path="adoption" element={<AdoptionTab />} />
          <Route path="golden-paths" element={<GoldenPathsTab />} />
          <Route path="service-levels" element={<ServiceLevelsTab />} />
          <Route path="delivery" element={<DeliveryTab />} />
          <Route path="team" element={<TeamTab />} />
        </Routes>
      </Content>
    </Page>
  );
};
