import {
  readSchedulerServiceTaskScheduleDefinitionFromConfig,
  RootConfigService,
  SchedulerServiceTaskScheduleDefinition,
} from '@backstage/backend-plugin-api';
import { parseEntityRef } from '@backstage/catalog-model';
import { dnsLabelProblem } from '@trellis/backstage-plugin-platform-common';
import { PlatformEntityMappingOptions } from './mapping/options';

const CONFIG_KEY = 'catalog.providers.platform';

/** The default schedule of the full refresh. */
export const DEFAULT_SCHEDULE: SchedulerServiceTaskScheduleDefinition = {
  frequency: { minutes: 5 },
  timeout: { minutes: 15 },
};

const ISO_DURATION =
  /^P(?=\d|T\d)(\d+Y)?(\d+M)?(\d+W)?(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+(\.\d+)?S)?)?$/;

/** The provider's settings from `catalog.providers.platform` and `app.baseUrl`. */
export function readProviderConfig(config: RootConfigService): {
  schedule: SchedulerServiceTaskScheduleDefinition;
  mapping: PlatformEntityMappingOptions;
} {
  const provider = config.getOptionalConfig(CONFIG_KEY);
  const scheduleConfig = provider?.getOptionalConfig('schedule');
  const schedule = scheduleConfig
    ? readSchedulerServiceTaskScheduleDefinitionFromConfig(scheduleConfig)
    : DEFAULT_SCHEDULE;

  const defaultOwner = provider?.getOptionalString('defaultOwner');
  if (defaultOwner !== undefined) {
    try {
      parseEntityRef(defaultOwner, { defaultKind: 'group' });
    } catch (error) {
      throw new Error(
        `${CONFIG_KEY}.defaultOwner: '${defaultOwner}' is not an entity ref`,
      );
    }
  }

  const environments = provider?.getOptionalStringArray(
    'templates.environments',
  );
  for (const environment of environments ?? []) {
    const problem = dnsLabelProblem(environment);
    if (problem) {
      throw new Error(
        `${CONFIG_KEY}.templates.environments: '${environment}' ${problem}`,
      );
    }
  }

  const timeSaved = provider?.getOptionalString('templates.timeSaved');
  if (timeSaved !== undefined && !ISO_DURATION.test(timeSaved)) {
    throw new Error(
      `${CONFIG_KEY}.templates.timeSaved: '${timeSaved}' is not an ISO 8601 duration such as PT2H`,
    );
  }

  return {
    schedule,
    mapping: {
      defaultOwner,
      environments,
      timeSaved,
      templates: provider?.getOptionalBoolean('templates.enabled'),
      baseUrl: config.getOptionalString('app.baseUrl'),
    },
  };
}
