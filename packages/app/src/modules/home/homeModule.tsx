import { createFrontendModule } from '@backstage/frontend-plugin-api';
import { HomePageWidgetBlueprint } from '@backstage/plugin-home-react/alpha';
import { MarkdownContent } from '@backstage/core-components';

const content = `
## Welcome to Trellis

Trellis is this portal's window onto the internal developer platform: the
capabilities the platform team offers, the resources you requested and their
live status.

- **[Platform](/platform)**: what the platform offers and which engines run it
- **[Catalog](/catalog)**: the software your organisation owns
- **[Create](/create)**: golden-path templates

This card lives in \`packages/app/src/modules/home/homeModule.tsx\`.
`;

const gettingStartedWidget = HomePageWidgetBlueprint.make({
  name: 'getting-started',
  params: {
    name: 'GettingStarted',
    title: 'Getting Started',
    description: 'Where to start in the Trellis portal',
    components: async () => ({
      Content: () => <MarkdownContent content={content} />,
    }),
  },
});

export const homeModule = createFrontendModule({
  pluginId: 'home',
  extensions: [gettingStartedWidget],
});
