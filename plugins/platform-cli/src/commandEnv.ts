import { Command, Option } from 'commander';
import { createContext, GlobalOptions } from './context';
import { CliIo } from './io';

/** Everything a command body gets. */
export interface CommandEnv {
  io: CliIo;
  /** The global flags with the command's own. */
  options: GlobalOptions & Record<string, unknown>;
  context: () => ReturnType<typeof createContext>;
}

/**
 * Wraps a command body: gives it the merged options and a lazily created
 * context (so usage errors are reported before any token is looked for).
 */
export function withEnv<A extends unknown[]>(
  io: CliIo,
  body: (env: CommandEnv, ...args: A) => Promise<void>,
) {
  return async (...args: unknown[]) => {
    const command = args[args.length - 1] as Command;
    const options = command.optsWithGlobals() as CommandEnv['options'];
    const positional = args.slice(0, -2) as A;
    await body(
      { io, options, context: () => createContext(options, io.env) },
      ...positional,
    );
  };
}

/** The `-o` option every reading command has. */
export function outputOption() {
  return new Option('-o, --output <format>', 'table, json or yaml').default(
    'table',
  );
}
