import {
  CAPABILITY_ANNOTATIONS,
  dnsLabelProblem,
  JsonObject,
  readAnnotation,
} from '@trellis/backstage-plugin-platform-common';
import { isAbsolute, relative, resolve } from 'node:path';
import {
  CapabilityApi,
  CapabilityDefinition,
  CapabilityVersion,
  PipelineDefinition,
  StepDefinition,
  StepEnvVar,
} from './types';

/** The label Kratix uses for a Promise's version. */
const PROMISE_VERSION_LABEL = 'kratix.io/promise-version';
/**
 * The pipeline annotation that lists the steps (container names, comma
 * separated) the local engine runs as local commands although they name a
 * container image. Without it a step with an image is refused: running its
 * `command` on this machine instead of the image is a decision the
 * capability's author makes explicitly.
 */
export const LOCAL_STEPS_ANNOTATION = CAPABILITY_ANNOTATIONS.localSteps;
/** Annotations that describe the capability in the portal (platform-common's vocabulary). */
const ANNOTATIONS = CAPABILITY_ANNOTATIONS;

/** Hears of every old annotation spelling (`trellis.io/...`) a Promise uses. */
export type LegacyAnnotationListener = (legacyKey: string, key: string) => void;

const VERSION = /^[A-Za-z0-9][A-Za-z0-9._+-]{0,63}$/;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** Variables the engine sets itself; a capability may not override them. */
const RESERVED_ENV = /^(PATH|HOME|LANG|TMPDIR|KRATIX_.*|TRELLIS_.*)$/;

type Path = string;

function fail(path: Path, problem: string): never {
  throw new Error(`${path} ${problem}`);
}

function asObject(value: unknown, path: Path): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return fail(path, 'must be an object');
  }
  return value as Record<string, unknown>;
}

function asOptionalObject(value: unknown, path: Path): Record<string, unknown> {
  return value === undefined || value === null ? {} : asObject(value, path);
}

function asString(value: unknown, path: Path): string {
  if (typeof value !== 'string' || value.trim() === '') {
    return fail(path, 'must be a non-empty string');
  }
  return value;
}

function asOptionalString(value: unknown, path: Path): string | undefined {
  return value === undefined || value === null
    ? undefined
    : asString(value, path);
}

function asArray(value: unknown, path: Path): unknown[] {
  if (value === undefined || value === null) {
    return [];
  }
  if (!Array.isArray(value)) {
    return fail(path, 'must be a list');
  }
  return value;
}

function asStringList(value: unknown, path: Path): string[] {
  return asArray(value, path).map((item, i) => {
    if (typeof item !== 'string') {
      return fail(`${path}[${i}]`, 'must be a string');
    }
    return item;
  });
}

function asDnsLabel(value: unknown, path: Path): string {
  const problem = dnsLabelProblem(value);
  return problem ? fail(path, problem) : (value as string);
}

function parseApi(value: unknown): {
  api: CapabilityApi;
  inputSchema: JsonObject;
} {
  const crd = asObject(value, 'spec.api');
  if (crd.kind !== 'CustomResourceDefinition') {
    fail('spec.api.kind', 'must be CustomResourceDefinition');
  }
  const spec = asObject(crd.spec, 'spec.api.spec');
  const names = asObject(spec.names, 'spec.api.spec.names');
  const versions = asArray(spec.versions, 'spec.api.spec.versions').map(
    (v, i) => asObject(v, `spec.api.spec.versions[${i}]`),
  );
  // Kratix serves the storage version; fall back to the first served one.
  const version =
    versions.find(v => v.storage === true) ??
    versions.find(v => v.served !== false);
  if (!version) {
    return fail('spec.api.spec.versions', 'must contain a served version');
  }
  const schema = asOptionalObject(
    asOptionalObject(version.schema, 'spec.api.spec.versions[].schema')
      .openAPIV3Schema,
    'openAPIV3Schema',
  );
  const properties = asOptionalObject(
    schema.properties,
    'openAPIV3Schema.properties',
  );
  const inputSchema = (
    properties.spec === undefined
      ? { type: 'object' }
      : asObject(properties.spec, 'openAPIV3Schema.properties.spec')
  ) as JsonObject;
  return {
    api: {
      group: asString(spec.group, 'spec.api.spec.group'),
      version: asString(version.name, 'spec.api.spec.versions[].name'),
      kind: asString(names.kind, 'spec.api.spec.names.kind'),
      plural: asString(names.plural, 'spec.api.spec.names.plural'),
      clusterScoped: spec.scope === 'Cluster',
    },
    inputSchema,
  };
}

function parseEnv(value: unknown, path: Path): StepEnvVar[] {
  const seen = new Set<string>();
  return asArray(value, path).map((item, i) => {
    const entry = asObject(item, `${path}[${i}]`);
    const name = asString(entry.name, `${path}[${i}].name`);
    if (!ENV_NAME.test(name)) {
      fail(`${path}[${i}].name`, 'must be a valid environment variable name');
    }
    if (RESERVED_ENV.test(name)) {
      fail(
        `${path}[${i}].name`,
        `is ${name}, which the engine sets itself (PATH, HOME, LANG, TMPDIR, KRATIX_*, TRELLIS_*)`,
      );
    }
    if (seen.has(name)) {
      fail(`${path}[${i}].name`, `declares ${name} twice`);
    }
    seen.add(name);
    if (entry.valueFrom !== undefined) {
      const valueFrom = asObject(entry.valueFrom, `${path}[${i}].valueFrom`);
      const ref = asObject(
        valueFrom.secretKeyRef,
        `${path}[${i}].valueFrom.secretKeyRef`,
      );
      return {
        name,
        secretKeyRef: {
          secret: asString(
            ref.name,
            `${path}[${i}].valueFrom.secretKeyRef.name`,
          ),
          key: asString(ref.key, `${path}[${i}].valueFrom.secretKeyRef.key`),
          optional: ref.optional === true,
        },
      };
    }
    if (typeof entry.value !== 'string') {
      return fail(
        `${path}[${i}].value`,
        'must be a string (quote numbers and booleans)',
      );
    }
    return { name, value: entry.value };
  });
}

function parseStep(
  value: unknown,
  path: Path,
  baseDir: string,
  markedLocal: boolean,
): StepDefinition {
  const container = asObject(value, path);
  const name = asDnsLabel(container.name, `${path}.name`);
  const image = asOptionalString(container.image, `${path}.image`);
  const command = asStringList(container.command, `${path}.command`);
  const hasCommand = command.length > 0 && command[0].trim() !== '';
  if (image !== undefined && !markedLocal) {
    fail(
      path,
      hasCommand
        ? `(${name}) runs the container image ${image}, which the local engine cannot run. To run its command on this machine instead, list ${name} in the pipeline's metadata.annotations['${LOCAL_STEPS_ANNOTATION}']`
        : `(${name}) runs the container image ${image}, which the local engine cannot run: give it a command and list ${name} in the pipeline's metadata.annotations['${LOCAL_STEPS_ANNOTATION}'], or install the Promise in Kratix and use the Kubernetes engine`,
    );
  }
  if (!hasCommand) {
    fail(
      `${path}.command`,
      'must name the local command to run (the local engine runs commands, not images)',
    );
  }
  const workingDir = resolve(
    baseDir,
    asOptionalString(container.workingDir, `${path}.workingDir`) ?? '.',
  );
  const rel = relative(baseDir, workingDir);
  if (rel.startsWith('..') || isAbsolute(rel)) {
    fail(`${path}.workingDir`, `must stay inside ${baseDir}`);
  }
  return {
    name,
    argv: [...command, ...asStringList(container.args, `${path}.args`)],
    env: parseEnv(container.env, `${path}.env`),
    workingDir,
  };
}

/** The step names a pipeline's local-steps annotation lists. */
function localSteps(metadata: Record<string, unknown>, path: Path): string[] {
  const annotations = asOptionalObject(
    metadata.annotations,
    `${path}.annotations`,
  );
  const where = `${path}.annotations['${LOCAL_STEPS_ANNOTATION}']`;
  const value = annotations[LOCAL_STEPS_ANNOTATION];
  if (value === undefined || value === null) return [];
  if (typeof value !== 'string') {
    return fail(where, 'must be a comma-separated list of step names');
  }
  return value
    .split(',')
    .map(step => step.trim())
    .filter(Boolean);
}

function parsePipelines(
  value: unknown,
  path: Path,
  baseDir: string,
): PipelineDefinition[] {
  const names = new Set<string>();
  return asArray(value, path).map((item, i) => {
    const pipeline = asObject(item, `${path}[${i}]`);
    if (pipeline.kind !== 'Pipeline') {
      fail(`${path}[${i}].kind`, 'must be Pipeline');
    }
    const metadata = asObject(pipeline.metadata, `${path}[${i}].metadata`);
    const name = asDnsLabel(metadata.name, `${path}[${i}].metadata.name`);
    const local = localSteps(metadata, `${path}[${i}].metadata`);
    if (names.has(name)) {
      fail(`${path}[${i}].metadata.name`, `repeats pipeline name ${name}`);
    }
    names.add(name);
    const spec = asObject(pipeline.spec, `${path}[${i}].spec`);
    const containers = asArray(
      spec.containers,
      `${path}[${i}].spec.containers`,
    );
    if (containers.length === 0) {
      fail(`${path}[${i}].spec.containers`, 'must list at least one container');
    }
    const stepNames = new Set<string>();
    const steps = containers.map((c, j) => {
      const stepPath = `${path}[${i}].spec.containers[${j}]`;
      const stepName = asObject(c, stepPath).name;
      const step = parseStep(
        c,
        stepPath,
        baseDir,
        typeof stepName === 'string' && local.includes(stepName),
      );
      if (stepNames.has(step.name)) {
        fail(
          `${path}[${i}].spec.containers[${j}].name`,
          `repeats container name ${step.name}`,
        );
      }
      stepNames.add(step.name);
      return step;
    });
    const unknown = local.filter(step => !stepNames.has(step));
    if (unknown.length) {
      fail(
        `${path}[${i}].metadata.annotations['${LOCAL_STEPS_ANNOTATION}']`,
        `names ${unknown.join(', ')}, which is not a step of pipeline ${name}`,
      );
    }
    return { name, steps };
  });
}

/** "Promise nginx-ingress, Promise postgresql" for a message (at most three). */
function describeDocuments(documents: unknown[]): string {
  const names = documents.slice(0, 3).map(document => {
    const object =
      typeof document === 'object' && document !== null
        ? (document as Record<string, unknown>)
        : {};
    const metadata =
      typeof object.metadata === 'object' && object.metadata !== null
        ? (object.metadata as Record<string, unknown>)
        : {};
    return [object.kind, metadata.name]
      .filter(part => typeof part === 'string')
      .join(' ');
  });
  const more = documents.length > 3 ? ` and ${documents.length - 3} more` : '';
  return `${names.filter(Boolean).join(', ') || 'unnamed documents'}${more}`;
}

/**
 * Kratix installs a Promise's dependencies and runs its Promise workflows on
 * its destinations; the local engine has neither, so it refuses them rather
 * than serving a capability that silently lacks what they would install.
 */
function refuseKratixOnlyParts(
  spec: Record<string, unknown>,
  workflows: Record<string, unknown>,
) {
  const dependencies = asArray(spec.dependencies, 'spec.dependencies');
  if (dependencies.length) {
    fail(
      'spec.dependencies',
      `lists what Kratix installs on its destinations (${describeDocuments(
        dependencies,
      )}); the local engine cannot install them. Remove them for the local engine, or install the Promise in Kratix and use the Kubernetes engine`,
    );
  }
  const promise = asOptionalObject(workflows.promise, 'spec.workflows.promise');
  for (const action of ['configure', 'delete']) {
    const path = `spec.workflows.promise.${action}`;
    if (asArray(promise[action], path).length) {
      fail(
        path,
        'is a Promise workflow, which Kratix runs once for the whole Promise (for example to install an operator); the local engine runs only resource workflows. Remove it for the local engine, or install the Promise in Kratix and use the Kubernetes engine',
      );
    }
  }
}

function parseVersion(
  document: unknown,
  baseDir: string,
  onLegacy?: LegacyAnnotationListener,
): { name: string; version: CapabilityVersion } {
  const promise = asObject(document, 'document');
  if (
    promise.apiVersion !== 'platform.kratix.io/v1alpha1' ||
    promise.kind !== 'Promise'
  ) {
    fail('document', 'must be a platform.kratix.io/v1alpha1 Promise');
  }
  const metadata = asObject(promise.metadata, 'metadata');
  const name = asDnsLabel(metadata.name, 'metadata.name');
  const labels = asOptionalObject(metadata.labels, 'metadata.labels');
  const annotations = asOptionalObject(
    metadata.annotations,
    'metadata.annotations',
  );
  const spec = asObject(promise.spec, 'spec');
  if (spec.api === undefined || spec.api === null) {
    const dependencies = asArray(spec.dependencies, 'spec.dependencies');
    fail(
      'spec.api',
      dependencies.length
        ? `is missing: this Promise only installs its dependencies (spec.dependencies: ${describeDocuments(
            dependencies,
          )}) and offers nothing to request. The local engine serves Promises that have an API; install this one in Kratix`
        : 'is missing: a capability needs an API, the CustomResourceDefinition that requests are made against',
    );
  }
  const { api, inputSchema } = parseApi(spec.api);
  const workflows = asOptionalObject(spec.workflows, 'spec.workflows');
  const resource = asOptionalObject(
    workflows.resource,
    'spec.workflows.resource',
  );
  const configure = parsePipelines(
    resource.configure,
    'spec.workflows.resource.configure',
    baseDir,
  );
  const del = parsePipelines(
    resource.delete,
    'spec.workflows.resource.delete',
    baseDir,
  );
  refuseKratixOnlyParts(spec, workflows);
  const version = labels[PROMISE_VERSION_LABEL];
  if (typeof version !== 'string' || !VERSION.test(version)) {
    fail(
      `metadata.labels['${PROMISE_VERSION_LABEL}']`,
      'must be a version such as v1.0.0 (letters, digits, dots, dashes, plus)',
    );
  }
  // Old spellings (trellis.io/..., docs-url) are read too, so that a Promise
  // written for the Kubernetes engine keeps its title and docs here.
  const annotation = (key: string) =>
    asOptionalString(
      readAnnotation(annotations, key, onLegacy),
      `metadata.annotations['${key}']`,
    );
  const docs = annotation(ANNOTATIONS.docs);
  return {
    name,
    version: {
      version,
      title: annotation(ANNOTATIONS.title) ?? api.kind,
      description: annotation(ANNOTATIONS.description),
      owner: annotation(ANNOTATIONS.owner),
      tags: (annotation(ANNOTATIONS.tags) ?? '')
        .split(',')
        .map(tag => tag.trim())
        .filter(Boolean),
      links: docs ? [{ url: docs, title: 'Documentation' }] : [],
      api,
      inputSchema,
      configure,
      delete: del,
    },
  };
}

/**
 * Turns the Promise documents of one file into a capability. Every document
 * is one version of the same capability, oldest first; the last is the
 * version new instances get. Throws an Error that names the offending field.
 */
export function parsePromiseFile(
  file: string,
  documents: unknown[],
  baseDir: string,
  onLegacy?: LegacyAnnotationListener,
): CapabilityDefinition {
  const present = documents.filter(d => d !== null && d !== undefined);
  if (present.length === 0) {
    throw new Error('contains no Promise');
  }
  let name: string | undefined;
  const versions: CapabilityVersion[] = [];
  present.forEach((document, index) => {
    try {
      const parsed = parseVersion(document, baseDir, onLegacy);
      if (name !== undefined && parsed.name !== name) {
        fail(
          'metadata.name',
          `is ${parsed.name}, but an earlier document names ${name}`,
        );
      }
      if (versions.some(v => v.version === parsed.version.version)) {
        fail(
          `metadata.labels['${PROMISE_VERSION_LABEL}']`,
          `repeats version ${parsed.version.version}`,
        );
      }
      name = parsed.name;
      versions.push(parsed.version);
    } catch (error) {
      const where = present.length > 1 ? ` (document ${index + 1})` : '';
      throw new Error(`${(error as Error).message}${where}`);
    }
  });
  return { name: name!, file, versions };
}
