import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import {
  desiredResource,
  makeTempDir,
  removeDir,
  startEngine,
  stepRuns,
  waitFor,
  writeCapability,
} from '../__testUtils__/harness';
import { LocalEngine } from './LocalEngine';

jest.setTimeout(60_000);

const ENGINE_PROCESS = resolve(__dirname, '../__testUtils__/engineProcess.ts');
const NODE_TRANSFORM = require.resolve(
  '@backstage/cli/config/nodeTransform.cjs',
);

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('LocalEngine killed with SIGKILL during a pipeline step', () => {
  let capabilitiesDir: string;
  let stateDir: string;
  const engines: LocalEngine[] = [];

  beforeEach(async () => {
    capabilitiesDir = await makeTempDir('capabilities-');
    stateDir = await makeTempDir('state-');
    await writeCapability(capabilitiesDir);
  });

  afterEach(async () => {
    await Promise.all(engines.splice(0).map(e => e.stop()));
    await removeDir(capabilitiesDir);
    await removeDir(stateDir);
  });

  it('kills the orphaned step, runs the pipeline again and ends Ready, once', async () => {
    const desired = desiredResource({
      spec: { blockFirstRun: true, message: 'survived kill -9' },
    });
    const child = spawn(
      process.execPath,
      [
        '--require',
        NODE_TRANSFORM,
        ENGINE_PROCESS,
        capabilitiesDir,
        stateDir,
        JSON.stringify(desired),
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stderr = '';
    child.stderr.on('data', chunk => {
      stderr += chunk;
    });
    const exited = new Promise(r => child.once('exit', r));
    try {
      // The step runs (and hangs) once its process id is on disk.
      const stepPid = await waitFor(
        'the step to run',
        async () => {
          if (child.exitCode !== null) throw new Error(stderr);
          const onDisk = JSON.parse(
            await readFile(
              join(stateDir, 'instances', desired.resourceId, 'instance.json'),
              'utf8',
            ),
          );
          const pid = onDisk.activeRun?.pid as number | undefined;
          return pid !== undefined &&
            (await stepRuns(stateDir, desired)).length > 0
            ? pid
            : undefined;
        },
        40_000,
      );
      child.kill('SIGKILL');
      await exited;
      // The step outlives the engine that started it.
      expect(alive(stepPid)).toBe(true);

      const restarted = await startEngine({ capabilitiesDir, stateDir });
      engines.push(restarted.engine);
      const ready = await restarted.waitForPhase(desired.resourceId, 'Ready');

      expect(ready.outputs.echo).toBe('survived kill -9');
      await waitFor('the orphaned step to be gone', () => !alive(stepPid));
      expect(await stepRuns(stateDir, desired)).toEqual([
        'configure start 1 v1.0.0',
        'configure start 1 v1.0.0',
        'configure end 1 v1.0.0',
      ]);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });
});
