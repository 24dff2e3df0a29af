import { createBackendPlugin } from '@backstage/backend-plugin-api';
import { startTestBackend } from '@backstage/backend-test-utils';
import {
  scaffolderActionsExtensionPoint,
  TemplateAction,
} from '@backstage/plugin-scaffolder-node';
import { scaffolderModulePlatform } from './module';

describe('scaffolderModulePlatform', () => {
  it('adds the platform actions to the scaffolder', async () => {
    const actions: TemplateAction<any, any, any>[] = [];
    // A stand-in for the scaffolder plugin that collects the actions.
    const scaffolder = createBackendPlugin({
      pluginId: 'scaffolder',
      register(reg) {
        reg.registerExtensionPoint(scaffolderActionsExtensionPoint, {
          addActions: (...added) => actions.push(...added),
        });
        reg.registerInit({ deps: {}, async init() {} });
      },
    });

    const backend = await startTestBackend({
      features: [scaffolder, scaffolderModulePlatform],
    });
    await backend.stop();

    expect(actions.map(a => a.id).sort()).toEqual([
      'platform:capability:get',
      'platform:resource:delete',
      'platform:resource:request',
      'platform:resource:update',
      'platform:resource:wait',
    ]);
    for (const action of actions) {
      // The scaffolder's action docs show these.
      expect(action.description).toBeTruthy();
      expect(action.examples?.length).toBeGreaterThan(0);
      for (const schema of [action.schema?.input, action.schema?.output]) {
        for (const [field, property] of Object.entries(
          (schema?.properties ?? {}) as Record<
            string,
            { description?: string }
          >,
        )) {
          expect({ field, description: property.description }).toEqual({
            field,
            description: expect.any(String),
          });
        }
      }
    }
  });
});
