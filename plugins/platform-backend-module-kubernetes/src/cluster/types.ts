import { JsonObject } from '@trellis/backstage-plugin-platform-common';

/** A REST resource of the Kubernetes API, e.g. `databases` in `marketplace.kratix.io/v1alpha1`. */
export interface ResourceType {
  group: string;
  version: string;
  /** The lower-case plural used in URLs. */
  plural: string;
  kind: string;
  namespaced: boolean;
}

/** The metadata fields the engine reads and writes. */
export interface ObjectMeta {
  name: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  finalizers?: string[];
}

/**
 * A Kubernetes object as the API serves it. Custom resources are schemaless
 * to the engine, so `spec` and `status` stay plain JSON.
 */
export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata: ObjectMeta;
  spec?: JsonObject;
  status?: JsonObject;
}

/** `group/version`, or just `version` for the core group. */
export function apiVersionOf(type: ResourceType): string {
  return type.group ? `${type.group}/${type.version}` : type.version;
}

/** `plural.group`, the name RBAC rules and CRDs use. */
export function qualifiedResource(type: ResourceType): string {
  return type.group ? `${type.plural}.${type.group}` : type.plural;
}

/** A stable key for a resource type, for maps of watchers and definitions. */
export function resourceTypeKey(type: ResourceType): string {
  return `${apiVersionOf(type)}/${type.plural}`;
}

/** `namespace/name`, or `name` for cluster-scoped objects. */
export function objectKey(metadata: { name: string; namespace?: string }) {
  return metadata.namespace
    ? `${metadata.namespace}/${metadata.name}`
    : metadata.name;
}
