/**
 * The fact sources that Trellis ships for the devex plugin, each a backend
 * module registered through `devexSourcesExtensionPoint`.
 */
export { scaffolderSourceModule } from './scaffolder/module';
export { platformSourceModule } from './platform/module';
