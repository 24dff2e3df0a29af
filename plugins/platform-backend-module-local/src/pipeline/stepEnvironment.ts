import { delimiter, dirname } from 'node:path';
import { CapabilityApi, StepEnvVar } from '../capabilities/types';

/** The folders of one pipeline run, the local stand-ins for `/kratix/*`. */
export interface PipelineFolders {
  input: string;
  output: string;
  metadata: string;
  home: string;
  tmp: string;
}

export interface StepContext {
  action: 'configure' | 'delete';
  capability: string;
  capabilityVersion: string;
  pipeline: string;
  api: CapabilityApi;
  objectName: string;
  objectNamespace: string;
  folders: PipelineFolders;
  dataDir: string;
  runId: string;
  /** Engine-wide, non-secret variables (see LocalEngineOptions.stepEnv). */
  sharedEnv?: Record<string, string>;
}

export type SecretLookup = (secret: string, key: string) => string | undefined;

/**
 * The complete environment of a step. It is built from nothing rather than
 * from the backend's environment, so no backend credential can leak into a
 * pipeline; only PATH (with this Node.js first, so `node` is the backend's
 * version) and LANG are carried over.
 */
export function stepEnvironment(
  context: StepContext,
  declared: StepEnvVar[],
  secrets: SecretLookup,
): { env: Record<string, string>; secretValues: string[] } {
  const { folders, api } = context;
  const env: Record<string, string> = {
    PATH: [dirname(process.execPath), process.env.PATH ?? '/usr/bin:/bin'].join(
      delimiter,
    ),
    HOME: folders.home,
    TMPDIR: folders.tmp,
    LANG: process.env.LANG ?? 'C.UTF-8',
    // First, so that none of them can replace the contract's variables.
    ...context.sharedEnv,
    // Where a container would find /kratix/input, /kratix/output and
    // /kratix/metadata; scripts fall back to those paths in a container.
    KRATIX_INPUT_DIR: folders.input,
    KRATIX_INPUT_FILE: `${folders.input}/object.yaml`,
    KRATIX_OUTPUT_DIR: folders.output,
    KRATIX_METADATA_DIR: folders.metadata,
    KRATIX_WORKFLOW_ACTION: context.action,
    KRATIX_WORKFLOW_TYPE: 'resource',
    KRATIX_PROMISE_NAME: context.capability,
    KRATIX_PIPELINE_NAME: context.pipeline,
    KRATIX_OBJECT_KIND: api.kind,
    KRATIX_OBJECT_GROUP: api.group,
    KRATIX_OBJECT_VERSION: api.version,
    KRATIX_OBJECT_NAME: context.objectName,
    KRATIX_OBJECT_NAMESPACE: context.objectNamespace,
    KRATIX_CRD_PLURAL: api.plural,
    KRATIX_CLUSTER_SCOPED: String(api.clusterScoped),
    TRELLIS_CAPABILITY_VERSION: context.capabilityVersion,
    TRELLIS_CAPABILITY_DATA_DIR: context.dataDir,
    TRELLIS_RUN_ID: context.runId,
  };
  const secretValues: string[] = [];
  for (const variable of declared) {
    if ('value' in variable) {
      env[variable.name] = variable.value;
      continue;
    }
    const { secret, key, optional } = variable.secretKeyRef;
    const value = secrets(secret, key);
    if (value === undefined) {
      if (optional) {
        continue;
      }
      throw new Error(
        `secret ${secret} has no key ${key}: set platform.engines.local.secrets.${secret}.${key}, or mark the reference optional`,
      );
    }
    env[variable.name] = value;
    secretValues.push(value);
  }
  return { env, secretValues };
}
