/**
 * Node.js library for the Trellis platform plugin: the extension point that
 * orchestration engines register with.
 *
 * @packageDocumentation
 */

export * from './engines';
