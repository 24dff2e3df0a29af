import { mockServices } from '@backstage/backend-test-utils';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import {
  desiredResource,
  useEngineFolders,
  waitFor,
} from '../__testUtils__/harness';

jest.setTimeout(30_000);

// The life of an instance: listed, provisioned, changed, upgraded and
// deleted. Failures, steps and hostile input have their own files.
describe('LocalEngine', () => {
  const { dirs, start, writeCapability, stepRuns, committedFiles } =
    useEngineFolders();

  it('lists the capabilities of the folder with their versions and input schema', async () => {
    await writeCapability({
      versions: ['v1.0.0', 'v1.1.0'],
      specSchema: {
        type: 'object',
        properties: { size: { type: 'string', enum: ['s', 'm'] } },
      },
    });
    const { engine } = await start();

    await expect(engine.listCapabilities()).resolves.toEqual([
      expect.objectContaining({
        name: 'widget',
        title: 'Widget v1.1.0',
        version: 'v1.1.0',
        versions: ['v1.0.0', 'v1.1.0'],
        instanceApiVersion: 'test.trellis.dev/v1alpha1',
        instanceKind: 'Widget',
        inputSchema: {
          type: 'object',
          properties: { size: { type: 'string', enum: ['s', 'm'] } },
        },
        available: true,
      }),
    ]);
  });

  it('asks for approval of the capabilities annotated trellis.dev/requires-approval: "true"', async () => {
    const approval = (value: string | boolean) => ({
      'trellis.dev/requires-approval': value,
    });
    await writeCapability({ name: 'database', annotations: approval('TRUE') });
    // Read as parseRequiresApproval reads it: only "true" asks.
    await writeCapability({ name: 'cache', annotations: approval('yes') });
    await writeCapability({ name: 'widget' });
    // Unquoted, YAML reads a boolean: refused rather than read as "no".
    await writeCapability({ name: 'queue', annotations: approval(true) });
    const logger = mockServices.logger.mock();
    const { engine } = await start({ logger });

    const capabilities = await engine.listCapabilities();

    expect(
      Object.fromEntries(capabilities.map(c => [c.name, c.requiresApproval])),
    ).toEqual({ cache: false, database: true, widget: false });
    expect(logger.warn).toHaveBeenCalledWith(
      expect.stringContaining(
        `metadata.annotations['trellis.dev/requires-approval'] must be a string: write "true" in quotes`,
      ),
    );
  });

  it('provisions a request: Pending, then Provisioning, then Ready with outputs', async () => {
    await writeCapability();
    const { engine, phases, waitForPhase } = await start();
    const desired = desiredResource({ spec: { message: 'hello' } });

    const { engineRef } = await engine.apply(desired);
    const ready = await waitForPhase(desired.resourceId, 'Ready');

    expect(engineRef).toEqual({
      id: desired.resourceId,
      capability: 'widget',
      name: desired.name,
      environment: 'dev',
    });
    expect(phases(desired.resourceId)).toEqual([
      'Pending',
      'Provisioning',
      'Ready',
    ]);
    expect(ready).toMatchObject({
      resourceId: desired.resourceId,
      engineRef,
      message: 'Configured generation 1',
      observedGeneration: 1,
      appliedVersion: 'v1.0.0',
      outputs: { echo: 'hello', version: 'v1.0.0', generation: 1 },
    });
    expect(ready.conditions).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          type: 'ConfigureWorkflowCompleted',
          status: 'True',
          reason: 'PipelinesExecutedSuccessfully',
        }),
        expect.objectContaining({ type: 'WorksSucceeded', status: 'True' }),
        expect.objectContaining({ type: 'Reconciled', status: 'True' }),
      ]),
    );

    // The pipeline's output is committed to the Git state store.
    await expect(committedFiles(desired)).resolves.toEqual([
      'instance-configure/result.yaml',
    ]);

    const logs = await engine.getLogs({ resourceId: desired.resourceId });
    expect(logs).toEqual([
      expect.objectContaining({
        pipeline: 'instance-configure',
        step: 'run',
        status: 'Succeeded',
        output: expect.stringContaining('configure dev/'),
      }),
    ]);
    await expect(engine.observeAll()).resolves.toEqual([ready]);
  });

  it('runs configure again when the spec changes', async () => {
    await writeCapability();
    const { engine, phases, waitForPhase } = await start();
    const desired = desiredResource({ spec: { message: 'one' } });
    await engine.apply(desired);
    await waitForPhase(desired.resourceId, 'Ready');

    // Applying the same generation again changes nothing.
    await engine.apply(desired);
    await engine.apply({ ...desired, generation: 2, spec: { message: 'two' } });
    const ready = await waitFor('generation 2', async () => {
      const state = await engine.observe(desired);
      return state?.phase === 'Ready' && state.observedGeneration === 2
        ? state
        : undefined;
    });

    expect(ready.outputs.echo).toBe('two');
    expect(phases(desired.resourceId)).toEqual([
      'Pending',
      'Provisioning',
      'Ready',
      'Updating',
      'Updating',
      'Ready',
    ]);
    expect(await stepRuns(desired)).toEqual([
      'configure start 1 v1.0.0',
      'configure end 1 v1.0.0',
      'configure start 2 v1.0.0',
      'configure end 2 v1.0.0',
    ]);
    await expect(
      engine.apply({ ...desired, generation: 2, spec: { message: 'other' } }),
    ).rejects.toThrow('Generation 2 of');
  });

  it('runs the delete workflow on delete and reports the resource gone', async () => {
    await writeCapability();
    const { engine, phases, changes, waitForPhase } = await start();
    const desired = desiredResource();
    await engine.apply(desired);
    await waitForPhase(desired.resourceId, 'Ready');

    await engine.delete(desired);
    await waitFor('the deleted change', () =>
      changes.some(
        c =>
          c.type === 'deleted' && c.resource.resourceId === desired.resourceId,
      ),
    );

    expect(phases(desired.resourceId).slice(-2)).toEqual([
      'Deleting',
      'Deleting',
    ]);
    expect(await stepRuns(desired)).toEqual(
      expect.arrayContaining(['delete start 1 v1.0.0', 'delete end 1 v1.0.0']),
    );
    await expect(engine.observe(desired)).resolves.toBeUndefined();
    await expect(readdir(join(dirs.stateDir, 'instances'))).resolves.toEqual(
      [],
    );
    await expect(committedFiles(desired)).resolves.toEqual([]);

    // Deleting what is gone succeeds and says so.
    await engine.delete({ resourceId: 'never-existed' });
    await waitFor('the deleted change of an unknown resource', () =>
      changes.some(
        c => c.type === 'deleted' && c.resource.resourceId === 'never-existed',
      ),
    );
  });

  it('cancels a running configure when the resource is deleted', async () => {
    await writeCapability();
    const { engine, changes, phases, waitForPhase } = await start();
    const desired = desiredResource({ spec: { blockFirstRun: true } });
    await engine.apply(desired);
    await waitForPhase(desired.resourceId, 'Provisioning');
    await waitFor(
      'the step to start',
      async () => (await stepRuns(desired)).length > 0,
    );

    await engine.delete(desired);
    await waitFor('the deleted change', () =>
      changes.some(c => c.type === 'deleted'),
    );

    expect(await stepRuns(desired)).toEqual([
      'configure start 1 v1.0.0',
      'delete start 1 v1.0.0',
      'delete end 1 v1.0.0',
    ]);
    expect(phases(desired.resourceId)).toEqual([
      'Pending',
      'Provisioning',
      'Deleting',
      'Deleting',
    ]);
  });

  it('keeps a resource whose delete workflow fails, saying why', async () => {
    await writeCapability();
    const { engine, waitForPhase } = await start();
    const desired = desiredResource({ spec: { failDelete: true } });
    await engine.apply(desired);
    await waitForPhase(desired.resourceId, 'Ready');

    await engine.delete(desired);
    const failed = await waitForPhase(desired.resourceId, 'Failed');

    expect(failed.message).toBe('The delete step refused');
    expect(failed.conditions).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          type: 'DeleteWorkflowCompleted',
          reason: 'DeleteWorkflowFailed',
        }),
      ]),
    );
  });

  it('upgrades an instance to another version of its capability', async () => {
    await writeCapability({
      versions: ['v1.0.0', 'v2.0.0'],
    });
    const { engine, phases, waitForPhase } = await start();
    const desired = desiredResource({ version: 'v1.0.0' });
    await engine.apply(desired);
    await waitForPhase(desired.resourceId, 'Ready');

    await engine.upgrade(desired, 'v2.0.0');
    const upgraded = await waitFor('the upgrade', async () => {
      const state = await engine.observe(desired);
      return state?.phase === 'Ready' && state.appliedVersion === 'v2.0.0'
        ? state
        : undefined;
    });

    expect(upgraded.outputs.version).toBe('v2.0.0');
    expect(upgraded.observedGeneration).toBe(1);
    expect(phases(desired.resourceId).slice(-3)).toEqual([
      'Updating',
      'Updating',
      'Ready',
    ]);
    expect(await stepRuns(desired)).toEqual(
      expect.arrayContaining(['configure end 1 v2.0.0']),
    );
    await expect(engine.upgrade(desired, 'v9.9.9')).rejects.toThrow(
      'Capability widget has no version "v9.9.9"; it has v1.0.0, v2.0.0',
    );
    await expect(
      engine.upgrade({ resourceId: 'unknown' }, 'v2.0.0'),
    ).rejects.toThrow('no resource unknown');
  });

  it('keeps a failed upgrade at the version it was at', async () => {
    await writeCapability({
      versions: ['v1.0.0', 'v2.0.0'],
    });
    const { engine, waitForPhase } = await start();
    const desired = desiredResource();
    await engine.apply(desired);
    await waitForPhase(desired.resourceId, 'Ready');
    await engine.apply({
      ...desired,
      generation: 2,
      spec: { failWith: 'v2 needs more' },
    });
    await waitForPhase(desired.resourceId, 'Failed');

    await engine.upgrade(desired, 'v2.0.0');
    const failed = await waitFor('the failed upgrade', async () => {
      const runs = await stepRuns(desired);
      const state = await engine.observe(desired);
      return runs.includes('configure start 2 v2.0.0') &&
        state?.phase === 'Failed'
        ? state
        : undefined;
    });
    expect(failed.appliedVersion).toBe('v1.0.0');
    expect(failed.message).toBe('v2 needs more');
  });

  it('picks up a changed capability file without a restart', async () => {
    await writeCapability();
    const { engine, changes } = await start({ watchCapabilities: true });
    expect((await engine.listCapabilities()).map(c => c.name)).toEqual([
      'widget',
    ]);

    await writeCapability({ name: 'gadget' });
    await waitFor('the capabilities change', () =>
      changes.some(c => c.type === 'capabilities'),
    );

    expect((await engine.listCapabilities()).map(c => c.name).sort()).toEqual([
      'gadget',
      'widget',
    ]);
  });
});
