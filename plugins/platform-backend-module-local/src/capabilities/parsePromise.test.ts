import { parsePromiseFile } from './parsePromise';

const baseDir = '/capabilities';

/** A Promise in the shape Kratix's own examples have (see the marketplace). */
function kratixPromise(
  options: {
    containers?: Record<string, unknown>[];
    pipelineAnnotations?: Record<string, unknown>;
    api?: Record<string, unknown> | null;
    dependencies?: unknown[];
    promiseWorkflows?: Record<string, unknown>;
  } = {},
) {
  const pipeline = (name: string) => ({
    apiVersion: 'platform.kratix.io/v1alpha1',
    kind: 'Pipeline',
    metadata: {
      name,
      namespace: 'default',
      ...(options.pipelineAnnotations
        ? { annotations: options.pipelineAnnotations }
        : {}),
    },
    spec: {
      containers: options.containers ?? [
        {
          image: 'syntasso/demo-postgresql-configure-pipeline:v0.1.1',
          name: 'demo-postgresql-configure-pipeline',
          command: ['node'],
          args: ['postgresql/configure.mjs'],
        },
      ],
    },
  });
  const api =
    options.api === undefined
      ? {
          apiVersion: 'apiextensions.k8s.io/v1',
          kind: 'CustomResourceDefinition',
          metadata: { name: 'postgresqls.marketplace.kratix.io' },
          spec: {
            group: 'marketplace.kratix.io',
            names: { kind: 'postgresql', plural: 'postgresqls' },
            scope: 'Namespaced',
            versions: [
              {
                name: 'v1alpha1',
                served: true,
                storage: true,
                schema: {
                  openAPIV3Schema: {
                    type: 'object',
                    properties: { spec: { type: 'object' } },
                  },
                },
              },
            ],
          },
        }
      : options.api;
  return {
    apiVersion: 'platform.kratix.io/v1alpha1',
    kind: 'Promise',
    metadata: {
      name: 'postgresql',
      labels: { 'kratix.io/promise-version': 'v1.0.0' },
    },
    spec: {
      destinationSelectors: [{ matchLabels: { environment: 'dev' } }],
      ...(api === null ? {} : { api }),
      ...(options.dependencies ? { dependencies: options.dependencies } : {}),
      workflows: {
        ...(options.promiseWorkflows
          ? { promise: options.promiseWorkflows }
          : {}),
        resource: { configure: [pipeline('instance-configure')] },
      },
    },
  };
}

const parse = (document: unknown) =>
  parsePromiseFile('/capabilities/postgresql.yaml', [document], baseDir);

const operator = {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'postgres-operator', namespace: 'default' },
};

describe('parsePromiseFile and real Kratix Promises', () => {
  it('refuses a step that names a container image and a command, naming the image', () => {
    expect(() => parse(kratixPromise())).toThrow(
      "spec.workflows.resource.configure[0].spec.containers[0] (demo-postgresql-configure-pipeline) runs the container image syntasso/demo-postgresql-configure-pipeline:v0.1.1, which the local engine cannot run. To run its command on this machine instead, list demo-postgresql-configure-pipeline in the pipeline's metadata.annotations['trellis.dev/local-steps']",
    );
  });

  it('refuses a step that only names an image, saying what to do', () => {
    expect(() =>
      parse(
        kratixPromise({
          containers: [
            { image: 'syntasso/kustomize-postgres', name: 'kustomize' },
          ],
        }),
      ),
    ).toThrow(
      /\(kustomize\) runs the container image syntasso\/kustomize-postgres, which the local engine cannot run: give it a command and list kustomize in .*, or install the Promise in Kratix and use the Kubernetes engine/,
    );
  });

  it('runs the command of a step marked as local, in place of its image', () => {
    const capability = parse(
      kratixPromise({
        pipelineAnnotations: {
          'trellis.dev/local-steps': 'demo-postgresql-configure-pipeline',
        },
      }),
    );

    expect(capability.versions[0].configure).toEqual([
      {
        name: 'instance-configure',
        steps: [
          {
            name: 'demo-postgresql-configure-pipeline',
            argv: ['node', 'postgresql/configure.mjs'],
            env: [],
            workingDir: baseDir,
          },
        ],
      },
    ]);
  });

  it('marks steps one by one: an unmarked step with an image is still refused', () => {
    expect(() =>
      parse(
        kratixPromise({
          pipelineAnnotations: { 'trellis.dev/local-steps': 'first' },
          containers: [
            { name: 'first', image: 'a:1', command: ['true'] },
            { name: 'second', image: 'b:1', command: ['true'] },
          ],
        }),
      ),
    ).toThrow('containers[1] (second) runs the container image b:1');
  });

  it('refuses a marker that names no step of the pipeline', () => {
    expect(() =>
      parse(
        kratixPromise({
          pipelineAnnotations: { 'trellis.dev/local-steps': 'configure, typo' },
          containers: [{ name: 'configure', command: ['true'] }],
        }),
      ),
    ).toThrow(
      "spec.workflows.resource.configure[0].metadata.annotations['trellis.dev/local-steps'] names typo, which is not a step of pipeline instance-configure",
    );
  });

  it('accepts a step with a command and no image without a marker', () => {
    const capability = parse(
      kratixPromise({ containers: [{ name: 'configure', command: ['true'] }] }),
    );
    expect(capability.versions[0].configure[0].steps[0].argv).toEqual(['true']);
  });

  it('says that a Promise without an API only installs dependencies', () => {
    expect(() =>
      parse(kratixPromise({ api: null, dependencies: [operator] })),
    ).toThrow(
      'spec.api is missing: this Promise only installs its dependencies (spec.dependencies: Deployment postgres-operator) and offers nothing to request',
    );
    expect(() => parse(kratixPromise({ api: null }))).toThrow(
      'spec.api is missing: a capability needs an API',
    );
  });

  it('refuses dependencies instead of ignoring them', () => {
    expect(() =>
      parse(
        kratixPromise({
          containers: [{ name: 'configure', command: ['true'] }],
          dependencies: [operator],
        }),
      ),
    ).toThrow(
      'spec.dependencies lists what Kratix installs on its destinations (Deployment postgres-operator); the local engine cannot install them',
    );
  });

  it('refuses Promise workflows instead of ignoring them', () => {
    expect(() =>
      parse(
        kratixPromise({
          containers: [{ name: 'configure', command: ['true'] }],
          promiseWorkflows: {
            configure: [
              {
                apiVersion: 'platform.kratix.io/v1alpha1',
                kind: 'Pipeline',
                metadata: { name: 'promise-configure' },
                spec: { containers: [{ name: 'install', image: 'op:1' }] },
              },
            ],
          },
        }),
      ),
    ).toThrow(
      'spec.workflows.promise.configure is a Promise workflow, which Kratix runs once for the whole Promise',
    );
  });
});
