/**
 * Catalog entity provider for the Trellis platform.
 *
 * @packageDocumentation
 */
export { catalogModulePlatform as default } from './module';
