export { EntityPlatformContent } from './EntityPlatformContent';
export { EntityPlatformCard } from './EntityPlatformCard';
