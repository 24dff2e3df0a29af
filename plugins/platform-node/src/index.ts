/**
 * Node.js library for the Trellis platform plugin: the engine contract and
 * extension point, and the in-process platform service.
 *
 * @packageDocumentation
 */

export * from './engines';
export * from './service';
export * from './permissions';
