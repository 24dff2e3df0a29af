import {
  AuthService,
  LoggerService,
  RootConfigService,
} from '@backstage/backend-plugin-api';
import { PlatformService } from '@trellis/backstage-plugin-platform-node';
import { resolve } from 'node:path';
import {
  DemoEstateOutcome,
  readDemoEstate,
  seedDemoEstate,
} from './DemoEstate';

/**
 * Requests the configured demo estate (`platform.demo.estate`) as the
 * plugin's own service principal and logs what it did. Never throws: a demo
 * that cannot be created must not take the backend down.
 */
export async function startDemoEstate(options: {
  config: RootConfigService;
  logger: LoggerService;
  service: PlatformService;
  auth: AuthService;
}): Promise<DemoEstateOutcome | undefined> {
  const { config, logger, service, auth } = options;
  const file = config.getOptionalString('platform.demo.estate');
  if (!file) {
    logger.warn(
      'platform.demo.enabled is set but platform.demo.estate names no file; no demo estate',
    );
    return undefined;
  }
  try {
    const estate = await readDemoEstate(resolve(file));
    const outcome = await seedDemoEstate({
      service,
      credentials: await auth.getOwnServiceCredentials(),
      estate,
      logger,
    });
    logger.info(
      `Demo estate from ${file}: ${outcome.created} requested, ${outcome.existing} already there, ${outcome.refused.length} refused, in ${outcome.durationMs} ms`,
    );
    return outcome;
  } catch (error) {
    logger.error(`Demo estate from ${file} failed`, error as Error);
    return undefined;
  }
}
