import { spawn } from 'node:child_process';
import { killOrphanedStep, runProcess } from './processes';
import { waitFor } from '../__testUtils__/harness';

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('runProcess', () => {
  const base = {
    cwd: '/',
    env: { PATH: process.env.PATH! },
    timeoutMs: 10_000,
    onStart: () => {},
  };

  it('passes arguments to the program without a shell', async () => {
    let output = '';
    const result = await runProcess({
      ...base,
      argv: ['printf', '%s|', '$(id)', '; rm -rf /', '`x`'],
      signal: new AbortController().signal,
      onOutput: text => {
        output += text;
      },
    });
    expect(result).toEqual({ kind: 'exited', code: 0 });
    expect(output).toBe('$(id)|; rm -rf /|`x`|');
  });

  it('reports a command that cannot start', async () => {
    const result = await runProcess({
      ...base,
      argv: ['/nonexistent/command'],
      signal: new AbortController().signal,
      onOutput: () => {},
    });
    expect(result).toEqual({
      kind: 'notStarted',
      message: expect.stringContaining('cannot start "/nonexistent/command"'),
    });
  });

  it('ends what a step leaves running in the background', async () => {
    let output = '';
    const result = await runProcess({
      ...base,
      argv: ['sh', '-c', 'sleep 30 & echo $!'],
      signal: new AbortController().signal,
      onOutput: text => {
        output += text;
      },
    });
    expect(result).toEqual({ kind: 'exited', code: 0 });
    const background = Number(output.trim());
    await waitFor('the background process to end', () => !alive(background));
  });

  it('stops the process group when cancelled', async () => {
    const controller = new AbortController();
    let pid = 0;
    const running = runProcess({
      ...base,
      argv: ['sleep', '30'],
      signal: controller.signal,
      onStart: p => {
        pid = p;
      },
      onOutput: () => {},
    });
    await waitFor('the process', () => pid > 0);
    controller.abort();
    await expect(running).resolves.toEqual({ kind: 'cancelled' });
    expect(alive(pid)).toBe(false);
  });
});

describe('killOrphanedStep', () => {
  it('kills the group of a step it can identify, and nothing else', async () => {
    const step = spawn('sleep', ['30'], {
      detached: true,
      env: { PATH: process.env.PATH!, TRELLIS_RUN_ID: 'run-1' },
      stdio: 'ignore',
    });
    const other = spawn('sleep', ['30'], { detached: true, stdio: 'ignore' });
    try {
      await waitFor('both processes', () => Boolean(step.pid && other.pid));

      await expect(killOrphanedStep(other.pid!, 'run-1')).resolves.toBe(false);
      await expect(killOrphanedStep(step.pid!, 'run-2')).resolves.toBe(false);
      // Only Linux lets the engine check who a pid belongs to.
      const canIdentify = process.platform === 'linux';
      await expect(killOrphanedStep(step.pid!, 'run-1')).resolves.toBe(
        canIdentify,
      );
      await waitFor(
        'the step to end',
        () =>
          !canIdentify || step.exitCode !== null || step.signalCode !== null,
      );
      expect(alive(other.pid!)).toBe(true);
    } finally {
      step.kill('SIGKILL');
      other.kill('SIGKILL');
    }
  });
});
