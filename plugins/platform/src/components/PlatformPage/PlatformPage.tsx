import {
  Link as RouterLink,
  Navigate,
  Route,
  Routes,
  useLocation,
  useResolvedPath,
} from 'react-router-dom';
import { Content, Header, HeaderTabs, Page } from '@backstage/core-components';
import { ApprovalsPage } from '../ApprovalsPage';
import { CapabilityPage } from '../CapabilityPage';
import { CatalogPage } from '../CatalogPage';
import { FleetPage } from '../FleetPage';
import { GoldenPathsPage } from '../GoldenPathsPage';
import { ResourcesPage } from '../ResourcesPage';

/** The portal's tabs; the same paths as the new frontend system's sub-pages. */
export const platformTabs = [
  { path: 'catalog', title: 'Service catalog' },
  { path: 'resources', title: 'Resources' },
  { path: 'golden-paths', title: 'Golden paths' },
  { path: 'fleet', title: 'Fleet' },
  { path: 'approvals', title: 'Approvals' },
];

function selectedTab(pathname: string, base: string): number {
  const first = pathname.slice(base.length).replace(/^\/+/, '').split('/')[0];
  if (first === 'capabilities') return 0; // capability pages belong to the catalog
  return Math.max(
    0,
    platformTabs.findIndex(tab => tab.path === first),
  );
}

/**
 * The portal for apps on the legacy frontend system: header, tabs and the
 * same pages the new frontend system mounts as sub-pages.
 */
export const PlatformPage = () => {
  const { pathname } = useLocation();
  const base = useResolvedPath('.').pathname.replace(/\/$/, '');
  return (
    <Page themeId="tool">
      <Header
        title="Platform"
        subtitle="Capabilities, resources and golden paths of your internal developer platform"
      />
      <HeaderTabs
        selectedIndex={selectedTab(pathname, base)}
        tabs={platformTabs.map(tab => ({
          id: tab.path,
          label: tab.title,
          tabProps: {
            component: RouterLink,
            to: `${base}/${tab.path}`,
          } as object,
        }))}
      />
      <Content>
        <Routes>
          <Route index element={<Navigate to="catalog" replace />} />
          <Route path="catalog" element={<CatalogPage />} />
          <Route path="capabilities/:ref" element={<CapabilityPage />} />
          <Route path="resources/*" element={<ResourcesPage />} />
          <Route path="golden-paths" element={<GoldenPathsPage />} />
          <Route path="fleet" element={<FleetPage />} />
          <Route path="approvals/*" element={<ApprovalsPage />} />
        </Routes>
      </Content>
    </Page>
  );
};
