/**
 * The `trellis` command: platform resources from a terminal.
 *
 * @packageDocumentation
 */

export { main } from './main';
export { run } from './cli';
export { EXIT } from './exitCodes';
export type { ExitCode } from './exitCodes';
export type { CliIo } from './io';
