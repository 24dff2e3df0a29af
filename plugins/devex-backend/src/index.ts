/**
 * The Trellis DevEx metrics backend plugin.
 *
 * @packageDocumentation
 */
export { devexPlugin as default } from './plugin';
