/**
 * The embedded local engine module for the Trellis platform backend plugin.
 *
 * @packageDocumentation
 */
export { platformModuleLocal as default } from './module';
