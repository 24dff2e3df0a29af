import { mockServices } from '@backstage/backend-test-utils';
import {
  EngineChange,
  DesiredResource,
} from '@trellis/backstage-plugin-platform-node';
import { ResourcePhase } from '@trellis/backstage-plugin-platform-common';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { stringify } from 'yaml';
import { LocalEngine, LocalEngineOptions } from '../engine/LocalEngine';
import { GitStateStore } from '../git/GitStateStore';

/** The test step script (see step.mjs). */
export const STEP_SCRIPT = resolve(__dirname, 'step.mjs');

/** Polls until `probe` returns something other than undefined/false. */
export async function waitFor<T>(
  what: string,
  probe: () => T | undefined | false | Promise<T | undefined | false>,
  timeoutMs = 20_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined && value !== false) return value as T;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) {
      throw new Error(
        `Timed out waiting for ${what}${last ? `: ${last}` : ''}`,
      );
    }
    await new Promise(r => setTimeout(r, 25));
  }
}

/** A fresh temporary folder; remove it with `removeDir`. */
export function makeTempDir(prefix = 'local-engine-'): Promise<string> {
  return mkdtemp(join(tmpdir(), prefix));
}

export function removeDir(dir: string) {
  // A pipeline step that a stopping engine has just killed may still be
  // writing its last file: retry ENOTEMPTY/EBUSY instead of failing the test.
  return rm(dir, {
    recursive: true,
    force: true,
    maxRetries: 10,
    retryDelay: 100,
  });
}

type Container = {
  name: string;
  command: string[];
  args?: string[];
  env?: unknown[];
};

/** Writes a Kratix Promise file whose steps run the test step script. */
export async function writeCapability(
  dir: string,
  options: {
    name?: string;
    versions?: string[];
    specSchema?: Record<string, unknown>;
    configure?: Container[];
    delete?: Container[];
    /**
     * Replaces the default `trellis.dev/title` annotation; values other than
     * strings are written as YAML writes them (`true` unquoted).
     */
    annotations?: Record<string, string | boolean>;
  } = {},
): Promise<string> {
  const name = options.name ?? 'widget';
  const configure = options.configure ?? [
    { name: 'run', command: [process.execPath, STEP_SCRIPT, 'configure'] },
  ];
  const del = options.delete ?? [
    { name: 'run', command: [process.execPath, STEP_SCRIPT, 'delete'] },
  ];
  const documents = (options.versions ?? ['v1.0.0']).map(version => ({
    apiVersion: 'platform.kratix.io/v1alpha1',
    kind: 'Promise',
    metadata: {
      name,
      labels: { 'kratix.io/promise-version': version },
      annotations: options.annotations ?? {
        'trellis.dev/title': `Widget ${version}`,
      },
    },
    spec: {
      api: {
        apiVersion: 'apiextensions.k8s.io/v1',
        kind: 'CustomResourceDefinition',
        metadata: { name: `${name}s.test.trellis.dev` },
        spec: {
          group: 'test.trellis.dev',
          names: { kind: 'Widget', plural: `${name}s`, singular: name },
          scope: 'Namespaced',
          versions: [
            {
              name: 'v1alpha1',
              served: true,
              storage: true,
              schema: {
                openAPIV3Schema: {
                  type: 'object',
                  properties: {
                    spec: options.specSchema ?? { type: 'object' },
                  },
                },
              },
            },
          ],
        },
      },
      workflows: {
        resource: {
          configure: [
            {
              apiVersion: 'platform.kratix.io/v1alpha1',
              kind: 'Pipeline',
              metadata: { name: 'instance-configure' },
              spec: { containers: configure },
            },
          ],
          delete: [
            {
              apiVersion: 'platform.kratix.io/v1alpha1',
              kind: 'Pipeline',
              metadata: { name: 'instance-delete' },
              spec: { containers: del },
            },
          ],
        },
      },
    },
  }));
  const file = join(dir, `${name}.yaml`);
  await writeFile(file, documents.map(d => stringify(d)).join('---\n'));
  return file;
}

let counter = 0;

/** A desired resource of the test capability, with a unique id. */
export function desiredResource(
  overrides: Partial<DesiredResource> = {},
): DesiredResource {
  counter += 1;
  return {
    resourceId: `res-${process.pid}-${counter}`,
    capability: 'widget',
    name: `widget-${counter}`,
    environment: 'dev',
    owner: 'group:default/team-a',
    requestedBy: 'user:default/ada',
    spec: {},
    generation: 1,
    version: 'v1.0.0',
    ...overrides,
  };
}

/** An engine on the given folders, started, that records its changes. */
export async function startEngine(
  folders: { capabilitiesDir: string; stateDir: string },
  options: Partial<LocalEngineOptions> = {},
) {
  const engine = await LocalEngine.create({
    ...folders,
    logger: mockServices.logger.mock(),
    retries: { limit: 0 },
    watchCapabilities: false,
    ...options,
  });
  const changes: EngineChange[] = [];
  engine.watch(change => changes.push(change));
  await engine.start();
  const phases = (resourceId: string): ResourcePhase[] =>
    changes.flatMap(c =>
      c.type === 'observed' && c.state.resourceId === resourceId
        ? [c.state.phase]
        : [],
    );
  const waitForPhase = (resourceId: string, phase: ResourcePhase) =>
    waitFor(`${resourceId} to be ${phase}`, async () => {
      const state = await engine.observe({ resourceId });
      return state?.phase === phase ? state : undefined;
    });
  return { engine, changes, phases, waitForPhase };
}

/** The lines the test step appended for a resource. */
export async function stepRuns(
  stateDir: string,
  resource: { environment: string; name: string },
  capability = 'widget',
): Promise<string[]> {
  try {
    const text = await readFile(
      join(
        stateDir,
        'capability-data',
        capability,
        `${resource.environment}-${resource.name}.runs`,
      ),
      'utf8',
    );
    return text.split('\n').filter(Boolean);
  } catch {
    return [];
  }
}

/**
 * Fresh capability and state folders for every test of the calling
 * `describe`, `start` for engines on them, and the folder helpers bound to
 * them; after each test the engines are stopped and the folders removed.
 */
export function useEngineFolders() {
  const dirs = { capabilitiesDir: '', stateDir: '' };
  const engines: LocalEngine[] = [];
  beforeEach(async () => {
    dirs.capabilitiesDir = await makeTempDir('capabilities-');
    dirs.stateDir = await makeTempDir('state-');
  });
  afterEach(async () => {
    await Promise.all(engines.splice(0).map(e => e.stop()));
    await removeDir(dirs.capabilitiesDir);
    await removeDir(dirs.stateDir);
  });
  const start = async (
    options: Partial<LocalEngineOptions> = {},
  ): ReturnType<typeof startEngine> => {
    const started = await startEngine(dirs, options);
    engines.push(started.engine);
    return started;
  };
  return {
    dirs,
    start,
    /** {@link writeCapability} in this test's capabilities folder. */
    writeCapability: (options?: Parameters<typeof writeCapability>[1]) =>
      writeCapability(dirs.capabilitiesDir, options),
    /** {@link stepRuns} in this test's state folder. */
    stepRuns: (resource: { environment: string; name: string }) =>
      stepRuns(dirs.stateDir, resource),

    /** The files the state store holds for a resource of the test capability. */
    committedFiles: (resource: { environment: string; name: string }) =>
      new GitStateStore(join(dirs.stateDir, 'state-store')).listFiles({
        environment: resource.environment,
        capability: 'widget',
        name: resource.name,
      }),
  };
}
