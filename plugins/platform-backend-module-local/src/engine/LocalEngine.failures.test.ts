import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  desiredResource,
  useEngineFolders,
  waitFor,
} from '../__testUtils__/harness';

jest.setTimeout(30_000);

describe('LocalEngine when a pipeline fails or is interrupted', () => {
  const { dirs, start, writeCapability, stepRuns } = useEngineFolders();

  it('ends Failed with the failing step’s message and keeps its logs', async () => {
    await writeCapability();
    const { engine, waitForPhase } = await start();
    const desired = desiredResource({
      spec: {
        failWith: 'Quota exceeded: 50 GiB requested, the quota is 20 GiB',
      },
    });

    await engine.apply(desired);
    const failed = await waitForPhase(desired.resourceId, 'Failed');

    expect(failed.message).toBe(
      'Quota exceeded: 50 GiB requested, the quota is 20 GiB',
    );
    expect(failed.observedGeneration).toBe(1);
    expect(failed.appliedVersion).toBeUndefined();
    expect(failed.conditions).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          type: 'ConfigureWorkflowCompleted',
          status: 'False',
          reason: 'ConfigureWorkflowFailed',
          message: 'A Configure Pipeline has failed: instance-configure',
        }),
        expect.objectContaining({ type: 'Reconciled', status: 'False' }),
      ]),
    );
    const [log] = await engine.getLogs({ resourceId: desired.resourceId });
    expect(log.status).toBe('Failed');
    expect(log.output).toContain('Quota exceeded: 50 GiB requested');
    expect(log.output).toContain('[engine] exited with code 3');
  });

  it('fails at once, without retries, when the step says retrying cannot help', async () => {
    await writeCapability();
    const { engine, waitForPhase } = await start({
      retries: { limit: 3, initialBackoffSeconds: 0.05 },
    });
    const overQuota = desiredResource({
      spec: { failWith: 'Quota exceeded', permanent: true },
    });
    // Fails once too, at the same time, but may retry: by the time it has
    // retried and is Ready, a retry of the other one would have run.
    const flaky = desiredResource({ spec: { failRuns: 1 } });

    await Promise.all([engine.apply(overQuota), engine.apply(flaky)]);
    await waitForPhase(flaky.resourceId, 'Ready');
    const failed = await waitForPhase(overQuota.resourceId, 'Failed');

    expect(failed.message).toBe('Quota exceeded');
    expect(failed.conditions).toContainEqual(
      expect.objectContaining({
        type: 'Reconciled',
        status: 'False',
        message:
          'Failing; not retried: the step reported that retrying cannot help',
      }),
    );
    expect(await stepRuns(overQuota)).toEqual(['configure start 1 v1.0.0']);
    const logs = await engine.getLogs(overQuota);
    expect(logs.map(l => l.status)).toEqual(['Failed']);
    // Its status said so; that is not an output.
    expect(failed.outputs).toEqual({});

    // Asking again (an upgrade to the version it is at) still retries now.
    await engine.upgrade(overQuota, 'v1.0.0');
    await waitFor('the retry asked for', async () =>
      (await stepRuns(overQuota)).length === 2 ? true : undefined,
    );
  });

  it('retries a failed pipeline with backoff until it succeeds', async () => {
    await writeCapability();
    const { engine, phases, waitForPhase } = await start({
      retries: { limit: 3, initialBackoffSeconds: 0.05 },
    });
    const desired = desiredResource({ spec: { failRuns: 2 } });

    await engine.apply(desired);
    await waitForPhase(desired.resourceId, 'Ready');

    expect(phases(desired.resourceId)).toEqual([
      'Pending',
      'Provisioning',
      'Failed',
      'Provisioning',
      'Failed',
      'Provisioning',
      'Ready',
    ]);
    const logs = await engine.getLogs({ resourceId: desired.resourceId });
    expect(logs.map(l => l.status)).toEqual(['Failed', 'Failed', 'Succeeded']);
  });

  it('gives up after the retry limit and retries again when asked', async () => {
    await writeCapability();
    const { engine, waitForPhase } = await start({
      retries: { limit: 1, initialBackoffSeconds: 0.05 },
    });
    const desired = desiredResource({ spec: { failRuns: 2 } });

    await engine.apply(desired);
    const failed = await waitFor('two failed runs', async () => {
      const state = await engine.observe(desired);
      return state?.conditions.find(c => c.message?.includes('gave up'))
        ? state
        : undefined;
    });
    expect(failed.phase).toBe('Failed');
    expect(await stepRuns(desired)).toHaveLength(2);

    // Asking for the version the instance is at retries it.
    await engine.upgrade(desired, 'v1.0.0');
    await waitForPhase(desired.resourceId, 'Ready');
  });

  it('runs an interrupted pipeline again after a restart and ends Ready', async () => {
    await writeCapability();
    const first = await start();
    const desired = desiredResource({
      spec: { blockFirstRun: true, message: 'survived' },
    });
    await first.engine.apply(desired);
    await waitFor(
      'the slow step to start',
      async () => (await stepRuns(desired)).length > 0,
    );

    // The backend goes away mid-pipeline: its step's process group is
    // killed and nothing more is recorded.
    await first.engine.stop();
    const onDisk = JSON.parse(
      await readFile(
        join(dirs.stateDir, 'instances', desired.resourceId, 'instance.json'),
        'utf8',
      ),
    );
    expect(onDisk.activeRun).toMatchObject({
      action: 'configure',
      generation: 1,
    });
    expect(onDisk.status.phase).toBe('Provisioning');

    const second = await start();
    const ready = await second.waitForPhase(desired.resourceId, 'Ready');

    expect(ready.outputs.echo).toBe('survived');
    expect(await stepRuns(desired)).toEqual([
      'configure start 1 v1.0.0',
      'configure start 1 v1.0.0',
      'configure end 1 v1.0.0',
    ]);
    const logs = await second.engine.getLogs(desired);
    expect(logs.map(l => l.status)).toEqual(['Cancelled', 'Succeeded']);
    expect(logs[0].output).toContain('interrupted');
  });

  it('stops a step that exceeds the timeout', async () => {
    await writeCapability();
    const { engine, waitForPhase } = await start({ stepTimeoutSeconds: 0.5 });
    const desired = desiredResource({ spec: { blockFirstRun: true } });
    await engine.apply(desired);

    const failed = await waitForPhase(desired.resourceId, 'Failed');
    const [log] = await engine.getLogs(desired);

    expect(log.output).toContain('[engine] timed out after 0.5 s');
    expect(failed.message).toMatch(/configure dev\/.* generation 1|timed out/);
  });
});
