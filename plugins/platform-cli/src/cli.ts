import { Command, CommanderError } from 'commander';
import { describeError, EXIT, ExitStatus } from './exitCodes';
import { CliIo } from './io';
import { DEFAULT_URL, resolveBaseUrl } from './context';
import { registerResourceCommands } from './commands/resources';
import { registerFollowCommands } from './commands/follow';
import { registerRolloutCommands } from './commands/rollout';
import { registerApprovalCommands } from './commands/approvals';

export function createProgram(io: CliIo): Command {
  const program = new Command('trellis')
    .description(
      'Request and follow Trellis platform resources from a terminal, with your own Backstage identity.',
    )
    .option(
      '--url <url>',
      `the Backstage backend (default: TRELLIS_URL, else ${DEFAULT_URL})`,
    )
    .option(
      '--token <token>',
      'a Backstage token (default: TRELLIS_TOKEN, else backstage-cli auth print-token)',
    )
    .option(
      '--instance <name>',
      'the backstage-cli auth instance to take the token from',
    )
    .showHelpAfterError('(run trellis --help for usage)')
    .exitOverride()
    .configureOutput({
      writeOut: text => io.stdout(text),
      writeErr: text => io.stderr(text),
    });
  registerResourceCommands(program, io);
  registerFollowCommands(program, io);
  registerRolloutCommands(program, io);
  registerApprovalCommands(program, io);
  return program;
}

/** Runs the command line and answers the exit code. */
export async function run(argv: string[], io: CliIo): Promise<number> {
  const program = createProgram(io);
  try {
    await program.parseAsync(argv);
    return EXIT.ok;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Commander printed the message already.
      if (
        error.code === 'commander.helpDisplayed' ||
        error.code === 'commander.version' ||
        error.code === 'commander.help'
      ) {
        return EXIT.ok;
      }
      return EXIT.usage;
    }
    if (error instanceof ExitStatus) return error.code;
    let baseUrl: string;
    try {
      baseUrl = resolveBaseUrl(program.opts().url, io.env);
    } catch {
      baseUrl = String(program.opts().url);
    }
    const { message, code } = describeError(error, baseUrl);
    io.stderr(`trellis: ${message}`);
    return code;
  }
}
