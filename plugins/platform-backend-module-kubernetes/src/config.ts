import { Config } from '@backstage/config';
import {
  dnsLabelProblem,
  UserAuthRequirement,
} from '@trellis/backstage-plugin-platform-common';

/** How the engine reaches and authenticates to a cluster. */
export type ClusterConnection =
  | {
      type: 'url';
      url: string;
      caData?: string;
      caFile?: string;
      skipTLSVerify: boolean;
      token?: string;
      tokenFile?: string;
    }
  | { type: 'kubeconfig'; path?: string; context?: string }
  /** The service account of the pod the backend runs in. */
  | { type: 'in-cluster' };

/** One configured cluster; the engine for it has the cluster's name as id. */
export interface KubernetesClusterConfig {
  name: string;
  title: string;
  connection: ClusterConnection;
  kratix: boolean;
  crossplane: boolean;
  /** Environment → namespace; environments not listed use their own name. */
  namespaces: Record<string, string>;
  resyncSeconds: number;
  /** Owner of capabilities that do not name one in a `trellis.dev/owner` annotation (or the deprecated `trellis.io/owner`). */
  owner?: string;
  /**
   * Set when the cluster trusts the portal's identity provider: changes are
   * then made with the requesting user's token from this sign-in provider.
   */
  userAuth?: UserAuthRequirement;
}

export const CONFIG_ROOT = 'platform.engines.kubernetes.clusters';
const DEFAULT_RESYNC_SECONDS = 600;
const MIN_RESYNC_SECONDS = 10;
/** Engine ids are DNS labels of at most 32 characters that start with a letter. */
const ENGINE_ID = /^[a-z]([-a-z0-9]{0,30}[a-z0-9])?$/;

function readConnection(cluster: Config, where: string): ClusterConnection {
  const url = cluster.getOptionalString('url');
  const kubeconfig = cluster.getOptionalConfig('kubeconfig');
  if (url && kubeconfig) {
    throw new Error(`${where}: set either 'url' or 'kubeconfig', not both`);
  }
  if (kubeconfig) {
    return {
      type: 'kubeconfig',
      path: kubeconfig.getOptionalString('path'),
      context: kubeconfig.getOptionalString('context'),
    };
  }
  if (!url) {
    return { type: 'in-cluster' };
  }
  const caData = cluster.getOptionalString('caData');
  const caFile = cluster.getOptionalString('caFile');
  const token = cluster.getOptionalString('token');
  const tokenFile = cluster.getOptionalString('tokenFile');
  if (caData && caFile) {
    throw new Error(`${where}: set either 'caData' or 'caFile', not both`);
  }
  if (token && tokenFile) {
    throw new Error(`${where}: set either 'token' or 'tokenFile', not both`);
  }
  return {
    type: 'url',
    url,
    caData,
    caFile,
    skipTLSVerify: cluster.getOptionalBoolean('skipTLSVerify') ?? false,
    token,
    tokenFile,
  };
}

function readNamespaces(
  cluster: Config,
  where: string,
): Record<string, string> {
  const namespaces = cluster.getOptionalConfig('namespaces');
  const result: Record<string, string> = {};
  for (const environment of namespaces?.keys() ?? []) {
    const namespace = namespaces!.getString(environment);
    const problem = dnsLabelProblem(namespace);
    if (problem) {
      throw new Error(
        `${where}.namespaces.${environment}: '${namespace}' is not a valid namespace name; it ${problem}`,
      );
    }
    result[environment] = namespace;
  }
  return result;
}

function readUserAuth(
  cluster: Config,
  where: string,
): UserAuthRequirement | undefined {
  const userAuth = cluster.getOptionalConfig('userAuth');
  if (!userAuth) {
    return undefined;
  }
  // Read raw: the config reader's own error for '' does not say what to set.
  const provider = userAuth.getOptional('provider');
  if (typeof provider !== 'string' || provider.trim() === '') {
    throw new Error(
      `${where}.userAuth.provider: name the portal's sign-in provider whose ID tokens the cluster trusts, e.g. 'okta'`,
    );
  }
  return { provider: provider.trim() };
}

/** Reads and validates every configured cluster. */
export function readClusterConfigs(config: Config): KubernetesClusterConfig[] {
  const clusters = config.getOptionalConfigArray(CONFIG_ROOT) ?? [];
  const seen = new Set<string>();
  return clusters.map((cluster, index) => {
    const where = `${CONFIG_ROOT}[${index}]`;
    const name = cluster.getString('name');
    if (!ENGINE_ID.test(name)) {
      throw new Error(
        `${where}.name: '${name}' is not a valid engine id; use 1-32 lower-case letters, digits and dashes, starting with a letter`,
      );
    }
    if (seen.has(name)) {
      throw new Error(`${where}.name: cluster '${name}' is configured twice`);
    }
    seen.add(name);
    const resyncSeconds =
      cluster.getOptionalNumber('resyncSeconds') ?? DEFAULT_RESYNC_SECONDS;
    if (!(resyncSeconds >= MIN_RESYNC_SECONDS)) {
      throw new Error(
        `${where}.resyncSeconds: must be at least ${MIN_RESYNC_SECONDS}`,
      );
    }
    return {
      name,
      title: cluster.getOptionalString('title') ?? `Kubernetes (${name})`,
      connection: readConnection(cluster, where),
      kratix: cluster.getOptionalBoolean('kratix.enabled') ?? true,
      crossplane: cluster.getOptionalBoolean('crossplane.enabled') ?? true,
      namespaces: readNamespaces(cluster, where),
      resyncSeconds,
      owner: cluster.getOptionalString('owner'),
      userAuth: readUserAuth(cluster, where),
    };
  });
}
