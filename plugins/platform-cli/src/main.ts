import { run } from './cli';
import { processIo } from './io';

function exit(code: number) {
  // Exit once the output is flushed: kept-alive HTTP connections would
  // otherwise hold the process open for a few seconds.
  process.stdout.write('', () =>
    process.stderr.write('', () => process.exit(code)),
  );
}

/** The entry point of the `trellis` bin. */
export function main(argv: string[]): void {
  // `trellis list | head -1`: the reader went away; that is not an error.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(0);
    throw error;
  });
  run(argv, processIo()).then(exit, error => {
    process.stderr.write(`trellis: ${error?.stack ?? error}\n`);
    exit(1);
  });
}
