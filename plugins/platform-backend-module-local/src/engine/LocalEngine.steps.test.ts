import { desiredResource, useEngineFolders } from '../__testUtils__/harness';

jest.setTimeout(30_000);

describe('LocalEngine pipeline steps', () => {
  const { dirs, start, writeCapability, stepRuns } = useEngineFolders();

  it('limits how many pipelines run at once', async () => {
    await writeCapability();
    const { engine, waitForPhase } = await start({ concurrency: 1 });
    const resources = [1, 2, 3].map(() =>
      desiredResource({ spec: { sleepMs: 100 } }),
    );
    await Promise.all(resources.map(r => engine.apply(r)));
    for (const r of resources) await waitForPhase(r.resourceId, 'Ready');

    // One data file per resource; with one slot, runs never overlap.
    const timeline = (await Promise.all(resources.map(r => stepRuns(r)))).map(
      lines => lines.join(','),
    );
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

  it('runs steps in a clean environment with only the secrets they reference', async () => {
    await writeCapability({
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
        `HOME=${dirs.stateDir}/runs/${desired.resourceId}/`,
      );
      expect(log.output).toContain('DB_URL=****');
      expect(log.output).not.toContain('hunter22');
      expect(log.output).not.toContain('backend-secret-value');
    } finally {
      delete process.env.TRELLIS_TEST_BACKEND_SECRET;
    }
  });

  it('fails a step whose secret is not configured, naming the setting', async () => {
    await writeCapability({
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
});
