import { mockServices } from '@backstage/backend-test-utils';
import { DEFAULT_SCHEDULE, readProviderConfig } from './config';

const read = (data: Record<string, any>) =>
  readProviderConfig(mockServices.rootConfig({ data }));

describe('readProviderConfig', () => {
  it('has defaults for everything', () => {
    expect(read({})).toEqual({
      schedule: DEFAULT_SCHEDULE,
      mapping: {
        defaultOwner: undefined,
        environments: undefined,
        timeSaved: undefined,
        templates: undefined,
        baseUrl: undefined,
      },
    });
    expect(DEFAULT_SCHEDULE.frequency).toEqual({ minutes: 5 });
  });

  it('reads the schedule, the template settings and the app URL', () => {
    const config = read({
      app: { baseUrl: 'https://backstage.example.com' },
      catalog: {
        providers: {
          platform: {
            schedule: { frequency: { minutes: 30 }, timeout: { minutes: 3 } },
            defaultOwner: 'group:default/infra',
            templates: {
              enabled: false,
              environments: ['test', 'prod'],
              timeSaved: 'PT1H30M',
            },
          },
        },
      },
    });

    expect(config.schedule).toMatchObject({
      frequency: { minutes: 30 },
      timeout: { minutes: 3 },
    });
    expect(config.mapping).toEqual({
      defaultOwner: 'group:default/infra',
      environments: ['test', 'prod'],
      timeSaved: 'PT1H30M',
      templates: false,
      baseUrl: 'https://backstage.example.com',
    });
  });

  it('names the key of a bad value', () => {
    const platform = (value: object) => ({
      catalog: { providers: { platform: value } },
    });
    expect(() =>
      read(platform({ templates: { environments: ['Prod Env'] } })),
    ).toThrow("catalog.providers.platform.templates.environments: 'Prod Env'");
    expect(() =>
      read(platform({ templates: { timeSaved: '2 hours' } })),
    ).toThrow('catalog.providers.platform.templates.timeSaved');
    expect(() => read(platform({ defaultOwner: 'group:' }))).toThrow(
      'catalog.providers.platform.defaultOwner',
    );
  });
});
