import { PlatformService } from '@trellis/backstage-plugin-platform-node';
import { capabilityActions } from './capabilityActions';
import { fleetActions } from './fleetActions';
import { PlatformAction } from './platformAction';
import { resourceChangeActions } from './resourceChangeActions';
import { resourceReadActions } from './resourceReadActions';

export { registerPlatformActions } from './platformAction';

/**
 * The platform's operations as actions (MCP tools, `actions execute`). Each
 * calls `service` with the caller's credentials, so permissions, validation,
 * audit and idempotency are those of the HTTP API.
 */
export function createPlatformActions(
  service: PlatformService,
): PlatformAction<any, any>[] {
  return [
    ...capabilityActions(service),
    ...resourceReadActions(service),
    ...resourceChangeActions(service),
    ...fleetActions(service),
  ];
}
