/**
 * Types, permissions and the API client of Trellis's DevEx metrics plugin.
 *
 * @packageDocumentation
 */
export * from './facts';
export * from './metrics';
export * from './delivery';
export * from './analytics';
export * from './permissions';
export * from './annotations';
export * from './client';
