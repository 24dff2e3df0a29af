export { GoldenPathsTab } from './GoldenPathsTab';
