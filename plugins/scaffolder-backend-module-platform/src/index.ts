/**
 * Scaffolder actions (`platform:*`) for the Trellis platform.
 *
 * @packageDocumentation
 */
export { scaffolderModulePlatform as default } from './module';
export * from './actions';
