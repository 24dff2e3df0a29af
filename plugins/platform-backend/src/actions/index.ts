import { PlatformService } from '@trellis/backstage-plugin-platform-node';
import { capabilityActions } from './capabilityActions';
import { changeRequestActions } from './changeRequestActions';
import { ApprovalLinks } from './changeRequestSchemas';
import { fleetActions } from './fleetActions';
import { PlatformAction } from './platformAction';
import { resourceChangeActions } from './resourceChangeActions';
import { resourceReadActions } from './resourceReadActions';

export { registerPlatformActions } from './platformAction';

/** What the actions need besides the service. */
export interface PlatformActionsOptions {
  /**
   * The portal's base URL (`app.baseUrl`), for the link at which a person
   * approves a change request an agent's change became.
   */
  portalUrl?: string;
}

/**
 * The platform's operations as actions (MCP tools, `actions execute`). Each
 * calls `service` with the caller's credentials, so permissions, validation,
 * audit, idempotency and approvals are those of the HTTP API.
 */
export function createPlatformActions(
  service: PlatformService,
  options: PlatformActionsOptions = {},
): PlatformAction<any, any>[] {
  const links: ApprovalLinks = {
    portalUrl: options.portalUrl?.replace(/\/+$/, ''),
  };
  return [
    ...capabilityActions(service),
    ...resourceReadActions(service),
    ...resourceChangeActions(service, links),
    ...changeRequestActions(service, links),
    ...fleetActions(service),
  ];
}
