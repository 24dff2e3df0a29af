import { ConflictError, InputError, NotFoundError } from '@backstage/errors';
import { ClusterClient } from '../cluster/ClusterClient';
import { KubeObject, ResourceType } from '../cluster/types';
import { CapabilityAdapter, CapabilityDefinition } from '../capabilities/types';
import { DefinitionLister } from '../capabilities/DefinitionLister';
import { presentationOf } from '../capabilities/presentation';
import { asArray, asObject, asString, pathValue } from '../objects/json';
import { specInputSchema } from '../schema/toJsonSchema';
import { readConditions } from '../status/conditions';
import { normalizeKratixRequest } from '../status/normalizeKratix';
import { NormalizedStatus } from '../status/types';

export const PROMISE_TYPE: ResourceType = {
  group: 'platform.kratix.io',
  version: 'v1alpha1',
  plural: 'promises',
  kind: 'Promise',
  namespaced: false,
};

export const PROMISE_REVISION_TYPE: ResourceType = {
  group: 'platform.kratix.io',
  version: 'v1alpha1',
  plural: 'promiserevisions',
  kind: 'PromiseRevision',
  namespaced: false,
};

export const RESOURCE_BINDING_TYPE: ResourceType = {
  group: 'platform.kratix.io',
  version: 'v1alpha1',
  plural: 'resourcebindings',
  kind: 'ResourceBinding',
  namespaced: true,
};

const KRATIX_LABELS = {
  /** A Promise's version, set by whoever installs it (e.g. a PromiseRelease). */
  promiseVersion: 'kratix.io/promise-version',
  /** On revisions and bindings: the Promise they belong to. */
  promiseName: 'kratix.io/promise-name',
  /** On a Promise: Kratix re-runs the configure workflow of every request, then removes it. */
  reconcileResources: 'kratix.io/reconcile-resources',
} as const;

/** What Kratix calls the version of a Promise installed without a version label. */
const UNVERSIONED = 'not set';

function creationOrder(a: KubeObject, b: KubeObject): number {
  return (a.metadata.creationTimestamp ?? '').localeCompare(
    b.metadata.creationTimestamp ?? '',
  );
}

/**
 * Kratix: every Promise with an API is a capability named like the Promise;
 * a resource request is an object of the Promise's API. Versions come from
 * the `kratix.io/promise-version` label and the Promise's revisions, and an
 * instance moves between versions through its ResourceBinding (Kratix's
 * `promiseUpgrade` feature).
 */
export class KratixAdapter
  extends DefinitionLister
  implements CapabilityAdapter
{
  protected describeType(type: ResourceType): string {
    return `Kratix ${type.kind}`;
  }

  async listDefinitions(): Promise<CapabilityDefinition[]> {
    return this.listDefinitionsOf([PROMISE_TYPE], PROMISE_REVISION_TYPE);
  }

  protected toDefinition(
    promise: KubeObject,
    revisions: KubeObject[],
  ): CapabilityDefinition | undefined {
    const name = promise.metadata.name;
    const crd = asObject(pathValue(promise.spec, 'api', 'spec'));
    if (!crd) {
      // A Promise without an API only installs dependencies; nothing to request.
      return undefined;
    }
    const group = asString(crd.group);
    const kind = asString(pathValue(crd, 'names', 'kind'));
    const plural = asString(pathValue(crd, 'names', 'plural'));
    const versions = asArray(crd.versions).map(asObject);
    const served = versions.filter(v => v && v.served !== false);
    const apiVersion = served.find(v => v!.storage === true) ?? served[0];
    const versionName = asString(apiVersion?.name);
    if (!group || !kind || !plural || !versionName) {
      this.logger.warn(
        `Promise ${name} on cluster '${this.client.name}' has an incomplete API definition; it is not offered`,
      );
      return undefined;
    }
    if (crd.scope !== undefined && crd.scope !== 'Namespaced') {
      this.logger.warn(
        `Promise ${name} on cluster '${this.client.name}' has a cluster-scoped API; only namespaced requests can be placed in an environment, so it is not offered`,
      );
      return undefined;
    }

    const status = promise.status;
    const version =
      promise.metadata.labels?.[KRATIX_LABELS.promiseVersion] ??
      asString(status?.version) ??
      asString(pathValue(status, 'kratix', 'version')) ??
      UNVERSIONED;
    const knownVersions = revisions
      .filter(
        revision =>
          asString(pathValue(revision.spec, 'promiseRef', 'name')) === name,
      )
      .sort(creationOrder)
      .map(revision => asString(revision.spec?.version))
      .filter((v): v is string => Boolean(v));
    const versionList = [...new Set([...knownVersions, version])];

    const state =
      asString(status?.status) ??
      asString(pathValue(status, 'kratix', 'status'));
    const available = state === 'Available';
    const notAvailable = readConditions(status).find(c => c.status !== 'True');
    const openAPIV3Schema = pathValue(apiVersion, 'schema', 'openAPIV3Schema');

    return {
      source: { kind: 'Promise', name },
      instanceType: {
        group,
        version: versionName,
        plural,
        kind,
        namespaced: true,
      },
      capability: {
        name,
        ...presentationOf(
          promise,
          {
            title: kind,
            description: asString(pathValue(openAPIV3Schema, 'description')),
            owner: this.defaultOwner,
            tags: ['kratix'],
          },
          this.legacyWarner(
            `${promise.kind ?? 'Definition'} ${promise.metadata.name}`,
          ),
        ),
        version,
        versions: versionList,
        instanceApiVersion: `${group}/${versionName}`,
        instanceKind: kind,
        inputSchema: specInputSchema(openAPIV3Schema),
        available,
        availabilityMessage: available
          ? undefined
          : asString(status?.message) ??
            notAvailable?.message ??
            `Promise ${name} is ${state ?? 'not reconciled by Kratix yet'}`,
      },
    };
  }

  normalize(
    _definition: CapabilityDefinition,
    instance: KubeObject,
  ): NormalizedStatus {
    return normalizeKratixRequest(instance);
  }

  /**
   * Pins the request's ResourceBinding to `toVersion`; Kratix then runs the
   * configure workflow of that Promise revision for this request only.
   */
  async upgrade(
    definition: CapabilityDefinition,
    instance: KubeObject,
    toVersion: string,
    client: ClusterClient,
  ): Promise<void> {
    const promise = definition.source.name;
    const { namespace, name } = instance.metadata;
    if (!definition.capability.versions?.includes(toVersion)) {
      throw new InputError(
        `Promise ${promise} has no version '${toVersion}' on cluster '${
          this.client.name
        }'; known versions: ${definition.capability.versions?.join(', ')}`,
      );
    }
    let bindings: KubeObject[];
    try {
      ({ items: bindings } = await client.list(RESOURCE_BINDING_TYPE, {
        namespace,
        // Matched on spec.resourceRef below rather than on the resource-name
        // label, which cannot hold every request name.
        labelSelector: `${KRATIX_LABELS.promiseName}=${promise}`,
      }));
    } catch (error) {
      if (error instanceof NotFoundError) {
        throw new InputError(
          `Kratix on cluster '${this.client.name}' has no ResourceBinding API; per-instance upgrades need Kratix with the promiseUpgrade feature flag enabled`,
        );
      }
      throw error;
    }
    const binding = bindings.find(
      candidate =>
        asString(pathValue(candidate.spec, 'resourceRef', 'name')) === name,
    );
    if (!binding) {
      throw new ConflictError(
        `Kratix has not bound ${instance.kind} ${namespace}/${name} to a revision of Promise ${promise} yet; retry once Kratix has reconciled it`,
      );
    }
    if (binding.spec?.version === toVersion) {
      return;
    }
    await client.mergePatch(
      RESOURCE_BINDING_TYPE,
      namespace,
      binding.metadata.name,
      { spec: { version: toVersion } },
    );
  }

  /**
   * Asks Kratix to re-run the configure workflow of every request of a
   * Promise (the `kratix.io/reconcile-resources` label, which Kratix removes
   * once it has started them), through `client`.
   */
  async reconcileAll(definition: CapabilityDefinition, client: ClusterClient) {
    await client.mergePatch(PROMISE_TYPE, undefined, definition.source.name, {
      metadata: { labels: { [KRATIX_LABELS.reconcileResources]: 'true' } },
    });
  }
}
