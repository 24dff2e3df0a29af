import { InputError } from '@backstage/errors';
import { JsonObject } from '@trellis/backstage-plugin-platform-common';
import { ClusterClient } from '../cluster/ClusterClient';
import { KubeObject, ResourceType } from '../cluster/types';
import { CapabilityAdapter, CapabilityDefinition } from '../capabilities/types';
import { DefinitionLister } from '../capabilities/DefinitionLister';
import { presentationOf } from '../capabilities/presentation';
import {
  asArray,
  asNumber,
  asObject,
  asString,
  pathValue,
} from '../objects/json';
import { specInputSchema } from '../schema/toJsonSchema';
import { findCondition, readConditions } from '../status/conditions';
import { normalizeCrossplaneInstance } from '../status/normalizeCrossplane';
import { NormalizedStatus } from '../status/types';

const APIEXTENSIONS_GROUP = 'apiextensions.crossplane.io';

function xrdType(version: 'v1' | 'v2'): ResourceType {
  return {
    group: APIEXTENSIONS_GROUP,
    version,
    plural: 'compositeresourcedefinitions',
    kind: 'CompositeResourceDefinition',
    namespaced: false,
  };
}

/** Crossplane 2 serves v2 XRDs (with `spec.scope`); Crossplane 1 only v1. */
export const XRD_TYPES = [xrdType('v2'), xrdType('v1')];

export const COMPOSITION_REVISION_TYPE: ResourceType = {
  group: APIEXTENSIONS_GROUP,
  version: 'v1',
  plural: 'compositionrevisions',
  kind: 'CompositionRevision',
  namespaced: false,
};

export const CROSSPLANE_LABELS = {
  compositionName: 'crossplane.io/composition-name',
  claimName: 'crossplane.io/claim-name',
  claimNamespace: 'crossplane.io/claim-namespace',
} as const;

function groupOf(apiVersion: string | undefined): string | undefined {
  return apiVersion?.includes('/') ? apiVersion.split('/')[0] : undefined;
}

/** Oldest first: by creation, then by revision number. */
function revisionOrder(a: KubeObject, b: KubeObject): number {
  return (
    (a.metadata.creationTimestamp ?? '').localeCompare(
      b.metadata.creationTimestamp ?? '',
    ) || (asNumber(a.spec?.revision) ?? 0) - (asNumber(b.spec?.revision) ?? 0)
  );
}

/**
 * Crossplane: every CompositeResourceDefinition that offers a namespaced
 * API is a capability named like the XRD (`<plural>.<group>`, which always
 * contains dots, unlike Kratix Promise names in practice). v1 XRDs (and v2
 * `LegacyCluster` ones) are requested through their claim kind; v2
 * `Namespaced` XRDs through the XR itself. Versions are the
 * CompositionRevisions of the XRD's default composition, and an instance
 * moves between them through `compositionRevisionRef` with
 * `compositionUpdatePolicy: Manual`.
 */
export class CrossplaneAdapter
  extends DefinitionLister
  implements CapabilityAdapter
{
  protected describeType(type: ResourceType): string {
    return `Crossplane ${type.kind} ${type.version}`;
  }

  async listDefinitions(): Promise<CapabilityDefinition[]> {
    return this.listDefinitionsOf(XRD_TYPES, COMPOSITION_REVISION_TYPE);
  }

  protected toDefinition(
    xrd: KubeObject,
    revisions: KubeObject[],
  ): CapabilityDefinition | undefined {
    const name = xrd.metadata.name;
    const spec = xrd.spec ?? {};
    const group = asString(spec.group);
    const compositeKind = asString(pathValue(spec, 'names', 'kind'));
    const compositePlural = asString(pathValue(spec, 'names', 'plural'));
    const claimKind = asString(pathValue(spec, 'claimNames', 'kind'));
    const claimPlural = asString(pathValue(spec, 'claimNames', 'plural'));
    const versions = asArray(spec.versions).map(asObject);
    const apiVersion =
      versions.find(v => v?.referenceable === true) ??
      versions.find(v => v?.served !== false);
    const versionName = asString(apiVersion?.name);
    if (!group || !compositeKind || !compositePlural || !versionName) {
      this.logger.warn(
        `XRD ${name} on cluster '${this.client.name}' is incomplete; it is not offered`,
      );
      return undefined;
    }

    const conditions = readConditions(xrd.status);
    const established = findCondition(conditions, 'Established');
    let instanceType: ResourceType;
    let compositeType: ResourceType | undefined;
    let available = established?.status === 'True';
    let unavailableBecause = established;
    if (claimKind && claimPlural) {
      instanceType = {
        group,
        version: versionName,
        plural: claimPlural,
        kind: claimKind,
        namespaced: true,
      };
      compositeType = {
        group,
        version: versionName,
        plural: compositePlural,
        kind: compositeKind,
        namespaced: false,
      };
      const offered = findCondition(conditions, 'Offered');
      if (available && offered?.status !== 'True') {
        available = false;
        unavailableBecause = offered;
      }
    } else if (spec.scope === 'Namespaced') {
      instanceType = {
        group,
        version: versionName,
        plural: compositePlural,
        kind: compositeKind,
        namespaced: true,
      };
    } else {
      this.logger.debug(
        `XRD ${name} on cluster '${this.client.name}' offers only cluster-scoped composites; it is not offered`,
      );
      return undefined;
    }

    const defaultComposition = asString(
      pathValue(spec, 'defaultCompositionRef', 'name'),
    );
    const versionList = revisions
      .filter(
        revision =>
          asString(pathValue(revision.spec, 'compositeTypeRef', 'kind')) ===
            compositeKind &&
          groupOf(
            asString(
              pathValue(revision.spec, 'compositeTypeRef', 'apiVersion'),
            ),
          ) === group &&
          (!defaultComposition ||
            revision.metadata.labels?.[CROSSPLANE_LABELS.compositionName] ===
              defaultComposition),
      )
      .sort(revisionOrder)
      .map(revision => revision.metadata.name);
    const openAPIV3Schema = pathValue(apiVersion, 'schema', 'openAPIV3Schema');

    return {
      source: { kind: 'CompositeResourceDefinition', name },
      instanceType,
      compositeType,
      capability: {
        name,
        ...presentationOf(
          xrd,
          {
            title: instanceType.kind,
            description: asString(pathValue(openAPIV3Schema, 'description')),
            owner: this.defaultOwner,
            tags: ['crossplane'],
          },
          this.legacyWarner(`${xrd.kind ?? 'Definition'} ${xrd.metadata.name}`),
        ),
        // Without revisions there is nothing to move between; the API version stands in.
        version: versionList[versionList.length - 1] ?? versionName,
        versions: versionList.length ? versionList : [versionName],
        instanceApiVersion: `${group}/${versionName}`,
        instanceKind: instanceType.kind,
        inputSchema: specInputSchema(openAPIV3Schema),
        available,
        availabilityMessage: available
          ? undefined
          : unavailableBecause?.message ??
            (unavailableBecause
              ? `${unavailableBecause.type} is ${unavailableBecause.status} (${unavailableBecause.reason})`
              : `XRD ${name} is not established yet`),
      },
    };
  }

  normalize(
    _definition: CapabilityDefinition,
    instance: KubeObject,
    composite?: KubeObject,
  ): NormalizedStatus {
    return normalizeCrossplaneInstance(instance, composite);
  }

  /** Composites behind claims carry their claim's name. */
  readonly compositeSelector = CROSSPLANE_LABELS.claimName;

  compositeNameOf(instance: KubeObject): string | undefined {
    return asString(pathValue(instance.spec, 'resourceRef', 'name'));
  }

  /** The claim a composite belongs to. */
  instanceOf(composite: KubeObject) {
    const labels = composite.metadata.labels ?? {};
    const namespace =
      labels[CROSSPLANE_LABELS.claimNamespace] ??
      asString(pathValue(composite.spec, 'claimRef', 'namespace'));
    const name =
      labels[CROSSPLANE_LABELS.claimName] ??
      asString(pathValue(composite.spec, 'claimRef', 'name'));
    return namespace && name ? { namespace, name } : undefined;
  }

  /** Crossplane reconciles continuously; there is no workflow to re-run. */
  async reconcileAll(definition: CapabilityDefinition): Promise<void> {
    throw new InputError(
      `Capability '${definition.capability.name}' on cluster '${this.client.name}' is not a Kratix Promise; only Promises re-run their instances' workflows`,
    );
  }

  /**
   * Pins the instance to a CompositionRevision. `Manual` keeps Crossplane
   * from moving it on when the composition changes again; moving is what
   * rollouts do, instance by instance.
   */
  async upgrade(
    definition: CapabilityDefinition,
    instance: KubeObject,
    toVersion: string,
    client: ClusterClient,
  ): Promise<void> {
    const revision = await client.get(
      COMPOSITION_REVISION_TYPE,
      undefined,
      toVersion,
    );
    const compositeKind =
      definition.compositeType?.kind ?? definition.instanceType.kind;
    const revisionKind = asString(
      pathValue(revision?.spec, 'compositeTypeRef', 'kind'),
    );
    if (!revision || revisionKind !== compositeKind) {
      throw new InputError(
        `Cluster '${this.client.name}' has no CompositionRevision '${toVersion}' for ${compositeKind}`,
      );
    }
    const pin: JsonObject = {
      compositionUpdatePolicy: 'Manual',
      compositionRevisionRef: { name: toVersion },
    };
    const { namespace, name } = instance.metadata;
    await client.mergePatch(definition.instanceType, namespace, name, {
      // Claims keep these fields at the top of spec, v2 XRs under spec.crossplane.
      spec: definition.compositeType ? pin : { crossplane: pin },
    });
  }
}
