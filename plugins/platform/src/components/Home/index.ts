export { YourResourcesCard } from './YourResourcesCard';
export { GoldenPathRunsCard } from './GoldenPathRunsCard';
export { PlatformOffersCard } from './PlatformOffersCard';
