/** Where a command reads and writes: the process, or a test's buffers. */
export interface CliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** Reads all of standard input (for `-f -`). */
  readStdin: () => Promise<string>;
  /** Asks a yes/no question on the terminal; undefined when there is none. */
  confirm?: (question: string) => Promise<boolean>;
  env: NodeJS.ProcessEnv;
}

export function processIo(): CliIo {
  const interactive = Boolean(process.stdin.isTTY && process.stderr.isTTY);
  return {
    stdout: text =>
      process.stdout.write(text.endsWith('\n') ? text : `${text}\n`),
    stderr: text =>
      process.stderr.write(text.endsWith('\n') ? text : `${text}\n`),
    readStdin: async () => {
      const chunks: Buffer[] = [];
      for await (const chunk of process.stdin) chunks.push(Buffer.from(chunk));
      return Buffer.concat(chunks).toString('utf8');
    },
    confirm: interactive
      ? async question => {
          const { createInterface } = await import('node:readline/promises');
          const rl = createInterface({
            input: process.stdin,
            output: process.stderr,
          });
          try {
            const answer = await rl.question(`${question} [y/N] `);
            return /^y(es)?$/i.test(answer.trim());
          } finally {
            rl.close();
          }
        }
      : undefined,
    env: process.env,
  };
}
