/**
 * Node.js library for the Trellis platform plugin: the engine contract and
 * extension point, and the platform service other plugins call it through.
 *
 * @packageDocumentation
 */

export * from './engines';
export * from './service';
export * from './events';
export { HttpPlatformService } from './HttpPlatformService';
export type { HttpPlatformServiceOptions } from './HttpPlatformService';
export * from './permissions';
