export { CatalogPage } from './CatalogPage';
export { AvailabilityChip, RequestButton } from './CapabilityCard';
