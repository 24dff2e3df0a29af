/*
 * Benchmark of the embedded local engine, driven directly (not over HTTP).
 *
 * Run from the repository root:
 *
 *   node --require @backstage/cli/config/nodeTransform.cjs \
 *     bench/local-engine.ts [requests] [concurrency]
 *
 * It measures:
 *  1. process start: spawning `true` and `node -e 0`, one after the other;
 *  2. a no-op pipeline: one request at a time of a capability whose only
 *     step is `true`, from apply to Ready; the difference to (1) is what the
 *     engine adds per pipeline (state writes, run folder, Git commit, events);
 *  3. a burst: N requests (default 200) of the example `bucket` capability
 *     applied at once, until all are Ready.
 */
import { LoggerService } from '@backstage/backend-plugin-api';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { stringify } from 'yaml';
import { LocalEngine } from '../plugins/platform-backend-module-local/src/engine/LocalEngine';

const requests = Number(process.argv[2] ?? 200);
const concurrency = Number(process.argv[3] ?? 4);
const examples = resolve(__dirname, '..', 'examples', 'capabilities');

const print = (line: string) => process.stdout.write(`${line}\n`);
const quietLogger: LoggerService = {
  info: () => {},
  debug: () => {},
  warn: message => print(`warn: ${message}`),
  error: message => print(`error: ${message}`),
  child: () => quietLogger,
};

function averageSpawnMs(argv: string[], times: number): number {
  const started = process.hrtime.bigint();
  for (let i = 0; i < times; i++) {
    spawnSync(argv[0], argv.slice(1), { stdio: 'ignore' });
  }
  return Number(process.hrtime.bigint() - started) / 1e6 / times;
}

function noopCapability() {
  return stringify({
    apiVersion: 'platform.kratix.io/v1alpha1',
    kind: 'Promise',
    metadata: {
      name: 'noop',
      labels: { 'kratix.io/promise-version': 'v1' },
    },
    spec: {
      api: {
        apiVersion: 'apiextensions.k8s.io/v1',
        kind: 'CustomResourceDefinition',
        metadata: { name: 'noops.bench.trellis.dev' },
        spec: {
          group: 'bench.trellis.dev',
          names: { kind: 'Noop', plural: 'noops' },
          scope: 'Namespaced',
          versions: [{ name: 'v1', served: true, storage: true }],
        },
      },
      workflows: {
        resource: {
          configure: [
            {
              apiVersion: 'platform.kratix.io/v1alpha1',
              kind: 'Pipeline',
              metadata: { name: 'noop' },
              spec: { containers: [{ name: 'noop', command: ['true'] }] },
            },
          ],
        },
      },
    },
  });
}

/** Applies the requests and resolves when every one is Ready. */
async function applyAndWait(
  engine: LocalEngine,
  capability: string,
  version: string,
  names: string[],
): Promise<void> {
  const waiting = new Set<string>(names.map(name => `${capability}-${name}`));
  const done = new Promise<void>((resolveDone, reject) => {
    const unsubscribe = engine.watch(change => {
      if (change.type !== 'observed') return;
      if (change.state.phase === 'Failed') {
        reject(
          new Error(`${change.state.resourceId}: ${change.state.message}`),
        );
      }
      if (change.state.phase === 'Ready') {
        waiting.delete(change.state.resourceId);
        if (waiting.size === 0) {
          unsubscribe();
          resolveDone();
        }
      }
    });
  });
  await Promise.all(
    names.map(name =>
      engine.apply({
        resourceId: `${capability}-${name}`,
        capability,
        name,
        environment: 'bench',
        owner: 'group:default/platform-team',
        requestedBy: 'user:default/bench',
        spec: {},
        generation: 1,
        version,
      }),
    ),
  );
  await done;
}

async function main() {
  const root = await mkdtemp(join(tmpdir(), 'local-engine-bench-'));
  try {
    const trueMs = averageSpawnMs(['true'], 50);
    const nodeMs = averageSpawnMs([process.execPath, '-e', '0'], 20);
    print(
      `process start: true ${trueMs.toFixed(1)} ms, node ${nodeMs.toFixed(
        1,
      )} ms (average)`,
    );

    const noopDir = join(root, 'noop-capabilities');
    await mkdir(noopDir);
    await writeFile(join(noopDir, 'noop.yaml'), noopCapability());
    const noopEngine = await LocalEngine.create({
      capabilitiesDir: noopDir,
      stateDir: join(root, 'noop-state'),
      logger: quietLogger,
      concurrency: 1,
      watchCapabilities: false,
    });
    await noopEngine.start();
    const sequential = 30;
    const noopStarted = Date.now();
    for (let i = 0; i < sequential; i++) {
      await applyAndWait(noopEngine, 'noop', 'v1', [`n${i}`]);
    }
    const pipelineMs = (Date.now() - noopStarted) / sequential;
    await noopEngine.stop();
    print(
      `no-op pipeline (apply to Ready, one at a time): ${pipelineMs.toFixed(
        1,
      )} ms; engine overhead over process start: ${(
        pipelineMs - trueMs
      ).toFixed(1)} ms`,
    );

    const engine = await LocalEngine.create({
      capabilitiesDir: examples,
      stateDir: join(root, 'burst-state'),
      logger: quietLogger,
      concurrency,
      watchCapabilities: false,
    });
    await engine.start();
    const names = Array.from({ length: requests }, (_, i) => `b${i}`);
    const started = Date.now();
    await applyAndWait(engine, 'bucket', 'v1.0.0', names);
    const totalMs = Date.now() - started;
    await engine.stop();
    const commits = execFileSync('git', ['rev-list', '--count', 'HEAD'], {
      cwd: join(root, 'burst-state', 'state-store'),
      encoding: 'utf8',
    }).trim();
    print(
      `${requests} bucket requests at once, concurrency ${concurrency}: all Ready after ${(
        totalMs / 1000
      ).toFixed(1)} s (${(requests / (totalMs / 1000)).toFixed(
        1,
      )} per second, ${((totalMs * concurrency) / requests).toFixed(
        0,
      )} ms per pipeline per slot); ${commits} Git commits`,
    );
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

main().catch(error => {
  print(String(error?.stack ?? error));
  process.exitCode = 1;
});
