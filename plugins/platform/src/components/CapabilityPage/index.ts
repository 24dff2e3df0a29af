export { CapabilityPage } from './CapabilityPage';
