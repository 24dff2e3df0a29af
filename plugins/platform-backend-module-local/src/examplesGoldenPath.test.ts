import { execFile } from 'node:child_process';
import { mkdtemp, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parse, parseAllDocuments } from 'yaml';
import { findWorkspaceRoot } from './config';
import {
  desiredResource,
  makeTempDir,
  removeDir,
  startEngine,
} from './__testUtils__/harness';
import { LocalEngine } from './engine/LocalEngine';

const exec = promisify(execFile);
const root = findWorkspaceRoot(__dirname);
const examplesDir = join(root, 'examples', 'capabilities');

jest.setTimeout(30_000);

/**
 * Golden paths mark the components they create (trellis.dev/golden-path),
 * so that DevEx metrics can tell them apart: the git-repository capability
 * writes the annotations it is given into its starter's catalog-info.yaml.
 */
describe('golden-path annotation of created components', () => {
  let stateDir: string;
  let engine: LocalEngine | undefined;

  beforeEach(async () => {
    stateDir = await makeTempDir('golden-path-');
  });
  afterEach(async () => {
    await engine?.stop();
    await removeDir(stateDir);
  });

  it("puts componentAnnotations into the node-service starter's catalog-info.yaml", async () => {
    const started = await startEngine({
      capabilitiesDir: examplesDir,
      stateDir,
    });
    engine = started.engine;
    const desired = desiredResource({
      capability: 'git-repository',
      name: 'orders-service',
      version: 'v1.1.0',
      spec: {
        template: 'node-service',
        componentAnnotations: {
          'trellis.dev/golden-path':
            'template:default/node-service-with-database',
        },
      },
    });
    await engine.apply(desired);
    const ready = await started.waitForPhase(desired.resourceId, 'Ready');
    const clone = await mkdtemp(join(stateDir, 'clone-'));
    await exec('git', [
      'clone',
      '--quiet',
      String(ready.outputs.cloneUrl),
      clone,
    ]);
    const info = parse(
      await readFile(join(clone, 'catalog-info.yaml'), 'utf8'),
    );
    expect(info.metadata.annotations).toEqual({
      'trellis.dev/golden-path': 'template:default/node-service-with-database',
    });
  });

  it('refuses an annotation key the catalog would refuse', async () => {
    const started = await startEngine({
      capabilitiesDir: examplesDir,
      stateDir,
    });
    engine = started.engine;
    const desired = desiredResource({
      capability: 'git-repository',
      name: 'bad-annotations',
      spec: {
        template: 'node-service',
        componentAnnotations: { 'not a key!': 'x' },
      },
    });
    await engine.apply(desired);
    const failed = await started.waitForPhase(desired.resourceId, 'Failed');
    expect(failed.message).toMatch(/componentAnnotations: "not a key!"/);
  });

  it('the node-service golden path names itself in the annotation', async () => {
    const text = await readFile(
      join(
        root,
        'examples',
        'templates',
        'node-service-with-database',
        'template.yaml',
      ),
      'utf8',
    );
    const [template] = parseAllDocuments(text).map(d => d.toJSON());
    const repository = template.spec.steps.find(
      (s: { id: string }) => s.id === 'repository',
    );
    expect(repository.input.spec.componentAnnotations).toEqual({
      'trellis.dev/golden-path': `template:default/${template.metadata.name}`,
    });
  });
});
