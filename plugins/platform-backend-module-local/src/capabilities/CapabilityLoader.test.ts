import { mockServices } from '@backstage/backend-test-utils';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { stringify } from 'yaml';
import {
  makeTempDir,
  removeDir,
  waitFor,
  writeCapability,
} from '../__testUtils__/harness';
import { CapabilityLoader } from './CapabilityLoader';

describe('CapabilityLoader', () => {
  let dir: string;
  let loader: CapabilityLoader;
  const logger = mockServices.logger.mock();

  beforeEach(async () => {
    dir = await makeTempDir('capabilities-');
    loader = new CapabilityLoader({ dir, logger });
  });

  afterEach(() => removeDir(dir));

  it('reads each top-level YAML file as one capability with all its versions', async () => {
    await writeCapability(dir, { versions: ['v1.0.0', 'v1.1.0'] });

    const [capability] = await loader.list();

    expect(capability.name).toBe('widget');
    expect(capability.versions.map(v => v.version)).toEqual([
      'v1.0.0',
      'v1.1.0',
    ]);
    expect(capability.versions[0]).toMatchObject({
      title: 'Widget v1.0.0',
      api: {
        group: 'test.trellis.dev',
        version: 'v1alpha1',
        kind: 'Widget',
        plural: 'widgets',
        clusterScoped: false,
      },
      inputSchema: { type: 'object' },
    });
    expect(capability.versions[0].configure).toEqual([
      {
        name: 'instance-configure',
        steps: [
          expect.objectContaining({ name: 'run', env: [], workingDir: dir }),
        ],
      },
    ]);
  });

  it('ignores subfolders, such as the Kubernetes engine’s, and other files', async () => {
    await mkdir(join(dir, 'kubernetes'));
    await writeCapability(join(dir, 'kubernetes'), { name: 'kratix-only' });
    await writeFile(join(dir, 'README.md'), '# not a capability');
    await writeCapability(dir);

    expect((await loader.list()).map(c => c.name)).toEqual(['widget']);
  });

  it('skips an invalid file, naming the field, and loads the others', async () => {
    await writeCapability(dir);
    await writeFile(
      join(dir, 'broken.yaml'),
      stringify({
        apiVersion: 'platform.kratix.io/v1alpha1',
        kind: 'Promise',
        metadata: {
          name: 'broken',
          labels: { 'kratix.io/promise-version': 'v1' },
        },
        spec: {
          api: {
            kind: 'CustomResourceDefinition',
            spec: {
              group: 'g',
              names: { kind: 'B', plural: 'bs' },
              versions: [{ name: 'v1', served: true, storage: true }],
            },
          },
          workflows: {
            resource: {
              configure: [
                {
                  kind: 'Pipeline',
                  metadata: { name: 'p' },
                  spec: { containers: [{ name: 'c', image: 'busybox' }] },
                },
              ],
            },
          },
        },
      }),
    );

    expect((await loader.list()).map(c => c.name)).toEqual(['widget']);
    expect(logger.warn).toHaveBeenCalledWith(
      expect.stringContaining(
        'spec.workflows.resource.configure[0].spec.containers[0] (c) runs the container image busybox, which the local engine cannot run',
      ),
    );
  });

  it.each([
    [
      'an environment variable the engine sets',
      { env: [{ name: 'PATH', value: '/tmp' }] },
      'which the engine sets itself',
    ],
    [
      'a working folder outside the capabilities folder',
      { workingDir: '../..' },
      'workingDir must stay inside',
    ],
    [
      'a non-string value',
      { env: [{ name: 'N', value: 3 }] },
      'must be a string',
    ],
  ])('refuses %s', async (_, container, message) => {
    await writeCapability(dir, {
      configure: [{ name: 'step', command: ['true'], ...container }],
    });

    await expect(loader.list()).resolves.toEqual([]);
    expect(logger.warn).toHaveBeenCalledWith(expect.stringContaining(message));
  });

  it('reads the old trellis.io spelling of the presentation annotations, warning once per file', async () => {
    // The spelling the Kubernetes engine used to document: a Promise written
    // for a cluster keeps its title, owner, tags and docs link here, and its
    // tags read as the Kubernetes engine reads them (lower-cased).
    const file = await writeCapability(dir, {
      versions: ['v1.0.0', 'v1.1.0'],
      annotations: {
        'trellis.io/title': 'PostgreSQL database',
        'trellis.io/description': 'A managed PostgreSQL database.',
        'trellis.io/owner': 'group:default/data-platform',
        'trellis.io/tags': 'Database, SQL',
        'trellis.io/docs-url': 'https://docs.example.com/platform/postgresql',
      },
    });

    const [capability] = await loader.list();
    await writeFile(file, `${await readFile(file, 'utf8')}\n`);
    await loader.list();

    expect(capability.versions[1]).toMatchObject({
      title: 'PostgreSQL database',
      description: 'A managed PostgreSQL database.',
      owner: 'group:default/data-platform',
      tags: ['database', 'sql'],
      links: [
        {
          url: 'https://docs.example.com/platform/postgresql',
          title: 'Documentation',
        },
      ],
    });
    const warnings = logger.warn.mock.calls
      .map(([message]) => String(message))
      .filter(message => message.includes('deprecated annotation'));
    expect(warnings).toHaveLength(5);
    expect(warnings).toContain(
      `Capability file ${file} uses the deprecated annotation trellis.io/docs-url; write trellis.dev/docs instead (the old spelling will stop being read in a future release)`,
    );
  });

  it('keeps serving the last valid reading of a file that becomes invalid', async () => {
    const file = await writeCapability(dir);
    await loader.list();

    await writeFile(
      file,
      'apiVersion: platform.kratix.io/v1alpha1\nkind: Promise\nmetadata: {name: widget}\n',
    );

    const [capability] = await loader.list();
    expect(capability.versions.map(v => v.version)).toEqual(['v1.0.0']);
    expect(capability.problem).toContain(
      `${file} is invalid: spec must be an object`,
    );
  });

  it('tells when files change', async () => {
    await loader.list();
    const onChange = jest.fn();
    const stop = loader.watch(onChange);
    try {
      await writeCapability(dir);
      await waitFor('the change', () => onChange.mock.calls.length > 0);
      expect((await loader.list()).map(c => c.name)).toEqual(['widget']);
    } finally {
      stop();
    }
  });

  it('serves nothing, without failing, when the folder does not exist', async () => {
    const missing = new CapabilityLoader({ dir: join(dir, 'missing'), logger });
    await expect(missing.list()).resolves.toEqual([]);
  });
});
