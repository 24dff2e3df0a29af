import { InputError } from '@backstage/errors';
import { JsonObject } from '@trellis/backstage-plugin-platform-common';
import { existsSync } from 'node:fs';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { GitStateStore } from '../git/GitStateStore';
import {
  desiredResource,
  makeTempDir,
  removeDir,
  startEngine,
  STEP_SCRIPT,
  stepRuns,
  waitFor,
  writeCapability,
} from '../__testUtils__/harness';
import { LocalEngine } from './LocalEngine';

jest.setTimeout(30_000);

describe('LocalEngine', () => {
  let capabilitiesDir: string;
  let stateDir: string;
  const engines: LocalEngine[] = [];

  const start = async (
    options: Parameters<typeof startEngine>[1] = {},
  ): ReturnType<typeof startEngine> => {
    const started = await startEngine({ capabilitiesDir, stateDir }, options);
    engines.push(started.engine);
    return started;
  };

  beforeEach(async () => {
    capabilitiesDir = await makeTempDir('capabilities-');
    stateDir = await makeTempDir('state-');
  });

  afterEach(async () => {
    await Promise.all(engines.splice(0).map(e => e.stop()));
    await removeDir(capabilitiesDir);
    await removeDir(stateDir);
  });

  it('lists the capabilities of the folder with their versions and input schema', async () => {
    await writeCapability(capabilitiesDir, {
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

  it('provisions a request: Pending, then Provisioning, then Ready with outputs', async () => {
    await writeCapability(capabilitiesDir);
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
    const git = new GitStateStore(join(stateDir, 'state-store'));
    await expect(
      git.listFiles({
        environment: 'dev',
        capability: 'widget',
        name: desired.name,
      }),
    ).resolves.toEqual(['instance-configure/result.yaml']);

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

  it('ends Failed with the failing step’s message and keeps its logs', async () => {
    await writeCapability(capabilitiesDir);
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

  it('retries a failed pipeline with backoff until it succeeds', async () => {
    await writeCapability(capabilitiesDir);
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
    await writeCapability(capabilitiesDir);
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
    expect(await stepRuns(stateDir, desired)).toHaveLength(2);

    // Asking for the version the instance is at retries it.
    await engine.upgrade(desired, 'v1.0.0');
    await waitForPhase(desired.resourceId, 'Ready');
  });

  it('runs configure again when the spec changes', async () => {
    await writeCapability(capabilitiesDir);
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
    expect(await stepRuns(stateDir, desired)).toEqual([
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
    await writeCapability(capabilitiesDir);
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
    expect(await stepRuns(stateDir, desired)).toEqual(
      expect.arrayContaining(['delete start 1 v1.0.0', 'delete end 1 v1.0.0']),
    );
    await expect(engine.observe(desired)).resolves.toBeUndefined();
    await expect(readdir(join(stateDir, 'instances'))).resolves.toEqual([]);
    const git = new GitStateStore(join(stateDir, 'state-store'));
    await expect(
      git.listFiles({
        environment: 'dev',
        capability: 'widget',
        name: desired.name,
      }),
    ).resolves.toEqual([]);

    // Deleting what is gone succeeds and says so.
    await engine.delete({ resourceId: 'never-existed' });
    await waitFor('the deleted change of an unknown resource', () =>
      changes.some(
        c => c.type === 'deleted' && c.resource.resourceId === 'never-existed',
      ),
    );
  });

  it('cancels a running configure when the resource is deleted', async () => {
    await writeCapability(capabilitiesDir);
    const { engine, changes, phases, waitForPhase } = await start();
    const desired = desiredResource({ spec: { blockFirstRun: true } });
    await engine.apply(desired);
    await waitForPhase(desired.resourceId, 'Provisioning');
    await waitFor(
      'the step to start',
      async () => (await stepRuns(stateDir, desired)).length > 0,
    );

    await engine.delete(desired);
    await waitFor('the deleted change', () =>
      changes.some(c => c.type === 'deleted'),
    );

    expect(await stepRuns(stateDir, desired)).toEqual([
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
    await writeCapability(capabilitiesDir);
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

  it('runs an interrupted pipeline again after a restart and ends Ready', async () => {
    await writeCapability(capabilitiesDir);
    const first = await start();
    const desired = desiredResource({
      spec: { blockFirstRun: true, message: 'survived' },
    });
    await first.engine.apply(desired);
    await waitFor(
      'the slow step to start',
      async () => (await stepRuns(stateDir, desired)).length > 0,
    );

    // The backend goes away mid-pipeline: its step's process group is
    // killed and nothing more is recorded.
    await first.engine.stop();
    const onDisk = JSON.parse(
      await readFile(
        join(stateDir, 'instances', desired.resourceId, 'instance.json'),
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
    expect(await stepRuns(stateDir, desired)).toEqual([
      'configure start 1 v1.0.0',
      'configure start 1 v1.0.0',
      'configure end 1 v1.0.0',
    ]);
    const logs = await second.engine.getLogs(desired);
    expect(logs.map(l => l.status)).toEqual(['Cancelled', 'Succeeded']);
    expect(logs[0].output).toContain('interrupted');
  });

  it('upgrades an instance to another version of its capability', async () => {
    await writeCapability(capabilitiesDir, { versions: ['v1.0.0', 'v2.0.0'] });
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
    expect(await stepRuns(stateDir, desired)).toEqual(
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
    await writeCapability(capabilitiesDir, { versions: ['v1.0.0', 'v2.0.0'] });
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
      const runs = await stepRuns(stateDir, desired);
      const state = await engine.observe(desired);
      return runs.includes('configure start 2 v2.0.0') &&
        state?.phase === 'Failed'
        ? state
        : undefined;
    });
    expect(failed.appliedVersion).toBe('v1.0.0');
    expect(failed.message).toBe('v2 needs more');
  });

  it('limits how many pipelines run at once', async () => {
    await writeCapability(capabilitiesDir);
    const { engine, waitForPhase } = await start({ concurrency: 1 });
    const resources = [1, 2, 3].map(() =>
      desiredResource({ spec: { sleepMs: 100 } }),
    );
    await Promise.all(resources.map(r => engine.apply(r)));
    for (const r of resources) await waitForPhase(r.resourceId, 'Ready');

    // One data file per resource; with one slot, runs never overlap.
    const timeline = (
      await Promise.all(resources.map(r => stepRuns(stateDir, r)))
    ).map(lines => lines.join(','));
    expect(timeline).toEqual(
      resources.map(() => 'configure start 1 v1.0.0,configure end 1 v1.0.0'),
    );
    const logs = await Promise.all(resources.map(r => engine.getLogs(r)));
    const spans = logs
      .map(([log]) => [Date.parse(log.startedAt), Date.parse(log.finishedAt!)])
      .sort((a, b) => a[0] - b[0]);
    for (let i = 1; i < spans.length; i++) {
      expect(spans[i][0]).toBeGreaterThanOrEqual(spans[i - 1][1]);
    }
  });

  it('stops a step that exceeds the timeout', async () => {
    await writeCapability(capabilitiesDir);
    const { engine, waitForPhase } = await start({ stepTimeoutSeconds: 0.5 });
    const desired = desiredResource({ spec: { blockFirstRun: true } });
    await engine.apply(desired);

    const failed = await waitForPhase(desired.resourceId, 'Failed');
    const [log] = await engine.getLogs(desired);

    expect(log.output).toContain('[engine] timed out after 0.5 s');
    expect(failed.message).toMatch(/configure dev\/.* generation 1|timed out/);
  });

  it('runs steps in a clean environment with only the secrets they reference', async () => {
    await writeCapability(capabilitiesDir, {
      configure: [
        {
          name: 'print-env',
          command: ['env'],
          env: [
            { name: 'GREETING', value: 'hi' },
            {
              name: 'DB_URL',
              valueFrom: { secretKeyRef: { name: 'postgres', key: 'url' } },
            },
          ],
        },
      ],
    });
    process.env.TRELLIS_TEST_BACKEND_SECRET = 'backend-secret-value';
    try {
      const { engine, waitForPhase } = await start({
        secrets: { postgres: { url: 'postgresql://admin:hunter22@db/x' } },
      });
      const desired = desiredResource();
      await engine.apply(desired);
      await waitForPhase(desired.resourceId, 'Ready');
      const [log] = await engine.getLogs(desired);

      const names = log.output
        .split('\n')
        .filter(line => /^[A-Z_]+=/.test(line))
        .map(line => line.split('=')[0])
        .sort();
      expect(names).toEqual(
        [
          'DB_URL',
          'GREETING',
          'HOME',
          'KRATIX_CLUSTER_SCOPED',
          'KRATIX_CRD_PLURAL',
          'KRATIX_INPUT_DIR',
          'KRATIX_INPUT_FILE',
          'KRATIX_METADATA_DIR',
          'KRATIX_OBJECT_GROUP',
          'KRATIX_OBJECT_KIND',
          'KRATIX_OBJECT_NAME',
          'KRATIX_OBJECT_NAMESPACE',
          'KRATIX_OBJECT_VERSION',
          'KRATIX_OUTPUT_DIR',
          'KRATIX_PIPELINE_NAME',
          'KRATIX_PROMISE_NAME',
          'KRATIX_WORKFLOW_ACTION',
          'KRATIX_WORKFLOW_TYPE',
          'LANG',
          'PATH',
          'TMPDIR',
          'TRELLIS_CAPABILITY_DATA_DIR',
          'TRELLIS_CAPABILITY_VERSION',
          'TRELLIS_RUN_ID',
        ].sort(),
      );
      expect(log.output).toContain(
        `HOME=${stateDir}/runs/${desired.resourceId}/`,
      );
      expect(log.output).toContain('DB_URL=****');
      expect(log.output).not.toContain('hunter22');
      expect(log.output).not.toContain('backend-secret-value');
    } finally {
      delete process.env.TRELLIS_TEST_BACKEND_SECRET;
    }
  });

  it('fails a step whose secret is not configured, naming the setting', async () => {
    await writeCapability(capabilitiesDir, {
      configure: [
        {
          name: 'needs-secret',
          command: ['true'],
          env: [
            {
              name: 'TOKEN',
              valueFrom: { secretKeyRef: { name: 'github', key: 'token' } },
            },
          ],
        },
      ],
    });
    const { engine, waitForPhase } = await start();
    const desired = desiredResource();
    await engine.apply(desired);

    const failed = await waitForPhase(desired.resourceId, 'Failed');
    expect(failed.message).toBe(
      'secret github has no key token: set platform.engines.local.secrets.github.token, or mark the reference optional',
    );
  });

  it('picks up a changed capability file without a restart', async () => {
    await writeCapability(capabilitiesDir);
    const { engine, changes } = await start({ watchCapabilities: true });
    expect((await engine.listCapabilities()).map(c => c.name)).toEqual([
      'widget',
    ]);

    await writeCapability(capabilitiesDir, { name: 'gadget' });
    await waitFor('the capabilities change', () =>
      changes.some(c => c.type === 'capabilities'),
    );

    expect((await engine.listCapabilities()).map(c => c.name).sort()).toEqual([
      'gadget',
      'widget',
    ]);
  });

  describe('hostile input', () => {
    it.each([
      [
        'shell metacharacters in the name',
        { name: 'x; rm -rf ~' },
        'Invalid name "x; rm -rf ~"',
      ],
      [
        'a command substitution as name',
        { name: '$(touch pwned)' },
        'Invalid name',
      ],
      [
        'path traversal in the name',
        { name: '../../etc' },
        'Invalid name "../../etc"',
      ],
      [
        'path traversal in the environment',
        { environment: '..' },
        'Invalid environment ".."',
      ],
      [
        'a slash in the environment',
        { environment: 'dev/../../x' },
        'Invalid environment',
      ],
      [
        'path traversal in the resource id',
        { resourceId: '../../outside' },
        'Invalid resourceId "../../outside"',
      ],
      [
        'path traversal in the capability',
        { capability: '../widget' },
        'Invalid capability "../widget"',
      ],
      [
        'a name that is too long',
        { name: 'a'.repeat(64) },
        'at most 63 characters',
      ],
    ])('refuses %s with a clear error', async (_, overrides, message) => {
      await writeCapability(capabilitiesDir);
      const { engine } = await start();

      const attempt = engine.apply(desiredResource(overrides));

      await expect(attempt).rejects.toThrow(InputError);
      await expect(attempt).rejects.toThrow(message);
      await expect(readdir(join(stateDir, 'instances'))).resolves.toEqual([]);
      await expect(readdir(join(stateDir, 'runs'))).resolves.toEqual([]);
    });

    it('refuses a huge spec with a clear error', async () => {
      await writeCapability(capabilitiesDir);
      const { engine } = await start();

      await expect(
        engine.apply(
          desiredResource({ spec: { blob: 'x'.repeat(300 * 1024) } }),
        ),
      ).rejects.toThrow('spec: is 307211 bytes; the limit is 262144 bytes');
    });

    it('refuses a deeply nested spec', async () => {
      await writeCapability(capabilitiesDir);
      const { engine } = await start();
      let spec: JsonObject = {};
      for (let i = 0; i < 100; i++) spec = { nested: spec };

      await expect(engine.apply(desiredResource({ spec }))).rejects.toThrow(
        'nested more than 32 levels deep',
      );
    });

    it('refuses a spec that does not match the schema, naming the field', async () => {
      await writeCapability(capabilitiesDir, {
        specSchema: {
          type: 'object',
          properties: { size: { type: 'string', enum: ['small', 'large'] } },
          additionalProperties: false,
        },
      });
      const { engine } = await start();

      await expect(
        engine.apply(desiredResource({ spec: { size: 'huge' } })),
      ).rejects.toThrow(
        'Invalid spec for local:widget: spec.size: must be one of "small", "large"',
      );
    });

    it('hands shell metacharacters in the spec to steps as inert data', async () => {
      const marker = join(stateDir, 'pwned');
      const payload = `$(touch ${marker}); \`touch ${marker}\` && touch ${marker} | ; ' " \\ \n ../../etc/passwd`;
      // Even a shell step only ever sees the request as a file.
      await writeCapability(capabilitiesDir, {
        configure: [
          {
            name: 'shell',
            command: [
              'sh',
              '-c',
              'cp "$KRATIX_INPUT_FILE" "$KRATIX_OUTPUT_DIR/copy.yaml"',
            ],
          },
          {
            name: 'node',
            command: [process.execPath, STEP_SCRIPT, 'configure'],
          },
        ],
      });
      const { engine, waitForPhase } = await start();
      const desired = desiredResource({ spec: { message: payload } });

      await engine.apply(desired);
      const ready = await waitForPhase(desired.resourceId, 'Ready');

      expect(ready.outputs.echo).toBe(payload);
      expect(existsSync(marker)).toBe(false);
      const committed = await readFile(
        join(
          stateDir,
          'state-store',
          'resources',
          'dev',
          'widget',
          desired.name,
          'instance-configure',
          'copy.yaml',
        ),
        'utf8',
      );
      expect(committed).toContain('touch');
    });

    it('never commits files a step links from elsewhere', async () => {
      const secretFile = join(stateDir, 'outside.txt');
      await writeFile(secretFile, 'not for the state store');
      await writeCapability(capabilitiesDir, {
        configure: [
          {
            name: 'link',
            command: [
              'sh',
              '-c',
              `ln -s ${secretFile} "$KRATIX_OUTPUT_DIR/leak.txt" && echo ok > "$KRATIX_OUTPUT_DIR/real.txt"`,
            ],
          },
        ],
      });
      const { engine, waitForPhase } = await start();
      const desired = desiredResource();

      await engine.apply(desired);
      await waitForPhase(desired.resourceId, 'Ready');

      const git = new GitStateStore(join(stateDir, 'state-store'));
      await expect(
        git.listFiles({
          environment: 'dev',
          capability: 'widget',
          name: desired.name,
        }),
      ).resolves.toEqual(['instance-configure/real.txt']);
    });
  });
});
