import { createFrontendModule } from '@backstage/frontend-plugin-api';
import {
  HomePageLayoutBlueprint,
  HomePageWidgetBlueprint,
} from '@backstage/plugin-home-react/alpha';
import { loadPlatformHomeCards } from '@trellis/backstage-plugin-platform/alpha';

const yourResources = HomePageWidgetBlueprint.make({
  name: 'platform-your-resources',
  params: {
    name: 'PlatformYourResources',
    title: 'Your resources',
    description: "Your teams' platform resources and their live phases",
    components: () =>
      loadPlatformHomeCards().then(m => ({ Content: m.YourResourcesCard })),
  },
});

const goldenPathRuns = HomePageWidgetBlueprint.make({
  name: 'platform-golden-path-runs',
  params: {
    name: 'PlatformGoldenPathRuns',
    title: 'Your recent golden-path runs',
    description: 'Your latest scaffolder runs and how they went',
    components: () =>
      loadPlatformHomeCards().then(m => ({ Content: m.GoldenPathRunsCard })),
  },
});

const platformOffers = HomePageWidgetBlueprint.make({
  name: 'platform-offers',
  params: {
    name: 'PlatformOffers',
    title: 'What the platform offers',
    description: 'The capabilities you can request, with their golden paths',
    components: () =>
      loadPlatformHomeCards().then(m => ({ Content: m.PlatformOffersCard })),
  },
});

export const homeModule = createFrontendModule({
  pluginId: 'home',
  extensions: [
    yourResources,
    goldenPathRuns,
    platformOffers,
    HomePageLayoutBlueprint.make({
      params: {
        loader: () => import('./HomeLayout').then(m => m.HomeLayout),
      },
    }),
  ],
});
