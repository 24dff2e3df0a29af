export { TeamTab } from './TeamTab';
