import { Content, Header, Page } from '@backstage/core-components';
import { PlatformOverview } from '../PlatformOverview';

/** The full page, with header, for apps on the legacy frontend system. */
export const PlatformPage = () => (
  <Page themeId="tool">
    <Header
      title="Platform"
      subtitle="What your internal developer platform offers"
    />
    <Content>
      <PlatformOverview />
    </Content>
  </Page>
);
