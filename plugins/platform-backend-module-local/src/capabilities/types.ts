import {
  JsonObject,
  PlatformLink,
} from '@trellis/backstage-plugin-platform-common';

/** An environment variable of a step, as declared in the capability. */
export type StepEnvVar =
  | { name: string; value: string }
  | {
      name: string;
      /** Resolved from `platform.engines.local.secrets.<secret>.<key>`. */
      secretKeyRef: { secret: string; key: string; optional: boolean };
    };

/**
 * One container of a Kratix pipeline, run by the local engine as a local
 * process: `command` (with `args` appended) instead of an image.
 */
export interface StepDefinition {
  name: string;
  /** The executable and its arguments, exactly as declared (no shell). */
  argv: string[];
  env: StepEnvVar[];
  /** Absolute folder the process starts in. */
  workingDir: string;
}

/** A Kratix `Pipeline`: steps that share the `/kratix` folders. */
export interface PipelineDefinition {
  name: string;
  steps: StepDefinition[];
}

/** The API a capability's instances have, from the Promise's CRD. */
export interface CapabilityApi {
  group: string;
  version: string;
  kind: string;
  plural: string;
  clusterScoped: boolean;
}

/** One version of a capability: one Promise document. */
export interface CapabilityVersion {
  version: string;
  title: string;
  description?: string;
  owner?: string;
  tags: string[];
  links: PlatformLink[];
  /** `trellis.dev/requires-approval: "true"`: its changes wait for a person's approval. */
  requiresApproval: boolean;
  api: CapabilityApi;
  /** JSON Schema of a request's `spec`: the CRD's `openAPIV3Schema.properties.spec`. */
  inputSchema: JsonObject;
  configure: PipelineDefinition[];
  delete: PipelineDefinition[];
}

/**
 * A capability as read from one file: every version it still offers, oldest
 * first. The last one is the version new instances get.
 */
export interface CapabilityDefinition {
  name: string;
  /** The file it was read from. */
  file: string;
  versions: CapabilityVersion[];
  /** Set when the file stopped being valid and an earlier reading is served. */
  problem?: string;
}

/** The version new instances get. */
export function currentVersion(
  capability: CapabilityDefinition,
): CapabilityVersion {
  return capability.versions[capability.versions.length - 1];
}
