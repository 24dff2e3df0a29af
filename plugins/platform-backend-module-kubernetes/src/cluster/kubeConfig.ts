import { KubeConfig } from '@kubernetes/client-node';
import { ClusterConnection } from '../config';

/**
 * Builds the client configuration for one cluster. Token files are re-read
 * by the client (every minute), so projected service account tokens that
 * rotate keep working.
 */
export function createKubeConfig(
  clusterName: string,
  connection: ClusterConnection,
): KubeConfig {
  const kubeConfig = new KubeConfig();
  switch (connection.type) {
    case 'in-cluster':
      kubeConfig.loadFromCluster();
      break;
    case 'kubeconfig':
      if (connection.path) {
        kubeConfig.loadFromFile(connection.path);
      } else {
        kubeConfig.loadFromDefault();
      }
      if (connection.context) {
        if (!kubeConfig.getContextObject(connection.context)) {
          throw new Error(
            `Cluster '${clusterName}': the kubeconfig has no context '${connection.context}'`,
          );
        }
        kubeConfig.setCurrentContext(connection.context);
      }
      break;
    case 'url':
      kubeConfig.loadFromOptions({
        clusters: [
          {
            name: clusterName,
            server: connection.url,
            caData: connection.caData,
            caFile: connection.caFile,
            skipTLSVerify: connection.skipTLSVerify,
          },
        ],
        users: [
          {
            name: clusterName,
            token: connection.token,
            authProvider: connection.tokenFile
              ? {
                  name: 'tokenFile',
                  config: { tokenFile: connection.tokenFile },
                }
              : undefined,
          },
        ],
        contexts: [
          { name: clusterName, cluster: clusterName, user: clusterName },
        ],
        currentContext: clusterName,
      });
      break;
    default:
      throw new Error(`Cluster '${clusterName}': unknown connection type`);
  }
  if (!kubeConfig.getCurrentCluster()) {
    throw new Error(
      `Cluster '${clusterName}': the kubeconfig has no current cluster`,
    );
  }
  return kubeConfig;
}

/**
 * A configuration for the same cluster as `base` whose only credential is a
 * user's bearer token. Nothing of `base`'s user is carried over: the API
 * server would authenticate a client certificate before the bearer token,
 * and an exec plugin, auth provider or token would act as the engine.
 */
export function userKubeConfig(base: KubeConfig, token: string): KubeConfig {
  const cluster = base.getCurrentCluster();
  if (!cluster) {
    throw new Error('The kubeconfig has no current cluster');
  }
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromOptions({
    clusters: [
      {
        name: cluster.name,
        server: cluster.server,
        caData: cluster.caData,
        caFile: cluster.caFile,
        skipTLSVerify: cluster.skipTLSVerify,
        // How to reach the same server, not credentials.
        tlsServerName: cluster.tlsServerName,
        proxyUrl: cluster.proxyUrl,
      },
    ],
    users: [{ name: 'user', token }],
    contexts: [{ name: 'user', cluster: cluster.name, user: 'user' }],
    currentContext: 'user',
  });
  return kubeConfig;
}
