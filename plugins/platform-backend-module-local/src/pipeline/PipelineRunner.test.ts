import { PipelineLog } from '@trellis/backstage-plugin-platform-common';
import { makeTempDir, removeDir } from '../__testUtils__/harness';
import { CapabilityVersion, PipelineDefinition } from '../capabilities/types';
import { PipelineRunner, WorkflowRequest } from './PipelineRunner';

const version: CapabilityVersion = {
  version: 'v1',
  title: 'Test',
  tags: [],
  links: [],
  requiresApproval: false,
  api: {
    group: 'g',
    version: 'v1',
    kind: 'K',
    plural: 'ks',
    clusterScoped: false,
  },
  inputSchema: {},
  configure: [],
  delete: [],
};

function shellPipeline(name: string, ...scripts: string[]): PipelineDefinition {
  return {
    name,
    steps: scripts.map((script, i) => ({
      name: `step-${i}`,
      argv: ['sh', '-c', script],
      env: [],
      workingDir: '/',
    })),
  };
}

describe('PipelineRunner', () => {
  let dir: string;
  const finished: PipelineLog[] = [];
  const runner = new PipelineRunner({
    stepTimeoutMs: 10_000,
    maxLogCharacters: 10_000,
    secrets: () => undefined,
  });

  beforeEach(async () => {
    dir = await makeTempDir('run-');
    finished.length = 0;
  });

  afterEach(() => removeDir(dir));

  function request(pipelines: PipelineDefinition[]): WorkflowRequest {
    return {
      runId: 'run-1',
      action: 'configure',
      capability: 'test',
      version,
      pipelines,
      object: { metadata: { name: 'n', namespace: 'dev' }, spec: { a: 1 } },
      runDir: dir,
      dataDir: dir,
      signal: new AbortController().signal,
      logs: {
        stepStarted: () => {},
        stepFinished: log => finished.push(log),
        processStarted: () => {},
      },
    };
  }

  it('gives each pipeline the status the earlier ones reported', async () => {
    const result = await runner.run(
      request([
        shellPipeline(
          'first',
          'echo "message: first done" > "$KRATIX_METADATA_DIR/status.yaml"',
          'echo "host: db.local" >> "$KRATIX_METADATA_DIR/status.yaml"',
        ),
        shellPipeline(
          'second',
          'grep -q "host: db.local" "$KRATIX_INPUT_FILE" && echo "port: 5432" > "$KRATIX_METADATA_DIR/status.yaml" && echo doc > "$KRATIX_OUTPUT_DIR/doc.yaml"',
        ),
      ]),
    );

    expect(result).toEqual({
      outcome: 'succeeded',
      message: 'first done',
      outputs: { host: 'db.local', port: 5432 },
      outputDirs: [
        { pipeline: 'first', dir: `${dir}/first/output` },
        { pipeline: 'second', dir: `${dir}/second/output` },
      ],
    });
    expect(finished.map(l => `${l.pipeline}/${l.step} ${l.status}`)).toEqual([
      'first/step-0 Succeeded',
      'first/step-1 Succeeded',
      'second/step-0 Succeeded',
    ]);
  });

  it('stops at the first failing step and reports its last line', async () => {
    const result = await runner.run(
      request([
        shellPipeline(
          'p',
          'echo working; echo "disk full" >&2; exit 2',
          'echo never',
        ),
      ]),
    );

    expect(result).toEqual({
      outcome: 'failed',
      pipeline: 'p',
      step: 'step-0',
      message: 'disk full',
    });
    expect(finished).toHaveLength(1);
    expect(finished[0].output).toContain('[engine] exited with code 2');
  });
});
