/**
 * The Trellis DevEx metrics backend plugin.
 *
 * The default export installs the plugin with the sources Trellis ships
 * (scaffolder task outcomes, platform resource history). To pick sources
 * yourself, install `devexPlugin` and the source modules you want.
 *
 * @packageDocumentation
 */
import { createBackendFeatureLoader } from '@backstage/backend-plugin-api';
import { devexPlugin } from './plugin';
import { platformSourceModule, scaffolderSourceModule } from './sources';

export { devexPlugin } from './plugin';
export { platformSourceModule, scaffolderSourceModule } from './sources';

/**
 * The devex plugin and its built-in source modules.
 *
 * @public
 */
export default createBackendFeatureLoader({
  *loader() {
    yield devexPlugin;
    yield scaffolderSourceModule;
    yield platformSourceModule;
  },
});
