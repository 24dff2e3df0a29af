/**
 * The Trellis platform backend plugin.
 *
 * @packageDocumentation
 */
export { platformPlugin as default } from './plugin';
