import { TemplateAction } from '@backstage/plugin-scaffolder-node';
import { PlatformService } from '@trellis/backstage-plugin-platform-node';
import { createPlatformResourceDeleteAction } from './delete';
import { createPlatformCapabilityGetAction } from './getCapability';
import { createPlatformResourceRequestAction } from './request';
import { createPlatformResourceUpdateAction } from './update';
import {
  createPlatformResourceWaitAction,
  PlatformResourceWaitActionOptions,
} from './wait';

export { createPlatformCapabilityGetAction } from './getCapability';
export { createPlatformResourceDeleteAction } from './delete';
export { createPlatformResourceRequestAction } from './request';
export { createPlatformResourceUpdateAction } from './update';
export { createPlatformResourceWaitAction } from './wait';
export type { PlatformResourceWaitActionOptions } from './wait';

/** @public */
export interface PlatformActionsOptions {
  /** Options of `platform:resource:wait`. */
  wait?: PlatformResourceWaitActionOptions;
  /**
   * The portal's base URL (`app.baseUrl`): the task log links a change that
   * needs approval to its page there.
   */
  portalUrl?: string;
}

/**
 * Every `platform:*` scaffolder action, calling the given platform service
 * with the credentials of the user who started the task.
 *
 * @public
 */
export function createPlatformActions(
  platform: PlatformService,
  options: PlatformActionsOptions = {},
): TemplateAction<any, any, any>[] {
  const links = { portalUrl: options.portalUrl?.replace(/\/+$/, '') };
  return [
    createPlatformResourceRequestAction(platform, links),
    createPlatformResourceWaitAction(platform, options.wait),
    createPlatformResourceUpdateAction(platform, links),
    createPlatformResourceDeleteAction(platform, links),
    createPlatformCapabilityGetAction(platform),
  ];
}
