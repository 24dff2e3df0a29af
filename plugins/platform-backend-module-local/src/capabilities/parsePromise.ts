import {
  CAPABILITY_ANNOTATIONS,
  JsonObject,
  parseRequiresApproval,
  parseTagList,
  readAnnotation,
} from '@trellis/backstage-plugin-platform-common';
import {
  asArray,
  asDnsLabel,
  asObject,
  asOptionalObject,
  asOptionalString,
  asString,
  fail,
} from './fields';
import { describeDocuments, refuseKratixOnlyParts } from './kratixOnlyParts';
import { parsePipelines } from './parsePipelines';
import {
  CapabilityApi,
  CapabilityDefinition,
  CapabilityVersion,
} from './types';

export { LOCAL_STEPS_ANNOTATION } from './parsePipelines';

/** The label Kratix uses for a Promise's version. */
const PROMISE_VERSION_LABEL = 'kratix.io/promise-version';
/** Annotations that describe the capability in the portal (platform-common's vocabulary). */
const ANNOTATIONS = CAPABILITY_ANNOTATIONS;

/** Hears of every old annotation spelling (`trellis.io/...`) a Promise uses. */
export type LegacyAnnotationListener = (legacyKey: string, key: string) => void;

const VERSION = /^[A-Za-z0-9][A-Za-z0-9._+-]{0,63}$/;

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
  const approvalKey = `metadata.annotations['${ANNOTATIONS.requiresApproval}']`;
  const approval = readAnnotation(
    annotations,
    ANNOTATIONS.requiresApproval,
    onLegacy,
  );
  if (typeof approval === 'boolean') {
    // YAML reads an unquoted true as a boolean; Kubernetes refuses such a
    // Promise, and reading it as "no approval" would let changes through.
    fail(approvalKey, `must be a string: write "${approval}" in quotes`);
  }
  return {
    name,
    version: {
      version,
      title: annotation(ANNOTATIONS.title) ?? api.kind,
      description: annotation(ANNOTATIONS.description),
      owner: annotation(ANNOTATIONS.owner),
      tags: parseTagList(annotation(ANNOTATIONS.tags)),
      links: docs ? [{ url: docs, title: 'Documentation' }] : [],
      requiresApproval: parseRequiresApproval(
        asOptionalString(approval, approvalKey),
      ),
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
