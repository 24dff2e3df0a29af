import { mockServices } from '@backstage/backend-test-utils';
import { KubeConfig } from '@kubernetes/client-node';
import { JsonObject } from '@trellis/backstage-plugin-platform-common';
import {
  DesiredResource,
  EngineChange,
} from '@trellis/backstage-plugin-platform-node';
import { ClusterClient } from '../cluster/ClusterClient';
import { KubeObject, ResourceType } from '../cluster/types';
import { createKubeConfig } from '../cluster/kubeConfig';
import {
  COMPOSITION_REVISION_TYPE,
  XRD_TYPES,
} from '../crossplane/CrossplaneAdapter';
import {
  PROMISE_REVISION_TYPE,
  PROMISE_TYPE,
  RESOURCE_BINDING_TYPE,
} from '../kratix/KratixAdapter';
import { KubernetesEngine, KubernetesEngineOptions } from '../KubernetesEngine';
import { FakeKubeApiServer, FakeResourceType } from './FakeKubeApiServer';
import { loadObjects } from './fixtures';

/** The instance type a Promise's API defines, as the CRD Kratix installs would serve it. */
export function promiseApiType(promise: KubeObject): FakeResourceType {
  const crd = (promise.spec!.api as any).spec;
  const version = crd.versions[0];
  return {
    group: crd.group,
    version: version.name,
    plural: crd.names.plural,
    kind: crd.names.kind,
    namespaced: true,
    schema: version.schema?.openAPIV3Schema,
  };
}

/** Installs Kratix with the fixture Promises (and their APIs) on a fake cluster. */
export function installKratix(
  server: FakeKubeApiServer,
  options: { promiseUpgrade?: boolean } = {},
) {
  server.addType(PROMISE_TYPE);
  const promises = loadObjects('kratix/promise-postgresql.yaml');
  for (const promise of promises) {
    server.put(PROMISE_TYPE, promise);
    if (promise.spec?.api) {
      server.addType(promiseApiType(promise));
    }
  }
  if (options.promiseUpgrade ?? true) {
    server.addType(PROMISE_REVISION_TYPE);
    server.addType(RESOURCE_BINDING_TYPE);
    for (const revision of loadObjects('kratix/promise-revisions.yaml')) {
      server.put(PROMISE_REVISION_TYPE, revision);
    }
  }
  return { postgresqlType: promiseApiType(promises[0]) };
}

/** Installs Crossplane 1 (a v1 XRD with claims) or 2 (a v2 namespaced XRD) on a fake cluster. */
export function installCrossplane(
  server: FakeKubeApiServer,
  version: 'v1' | 'v2',
) {
  const xrdType = XRD_TYPES.find(type => type.version === version)!;
  server.addType(xrdType);
  server.addType(COMPOSITION_REVISION_TYPE);
  for (const revision of loadObjects('crossplane/composition-revisions.yaml')) {
    server.put(COMPOSITION_REVISION_TYPE, revision);
  }
  const mysqlSchema = (
    loadObjects('crossplane/xrd-database-v1.yaml')[0].spec!.versions as any
  )[0].schema.openAPIV3Schema as JsonObject;
  const claimType: FakeResourceType = {
    group: 'db.platform.example.com',
    version: 'v1alpha1',
    plural: 'mysqls',
    kind: 'MySQL',
    namespaced: true,
    schema: mysqlSchema,
  };
  const compositeType: FakeResourceType = {
    group: 'db.platform.example.com',
    version: 'v1alpha1',
    plural: 'xmysqls',
    kind: 'XMySQL',
    namespaced: false,
  };
  const valkeyType: FakeResourceType = {
    group: 'cache.platform.example.com',
    version: 'v1beta1',
    plural: 'valkeys',
    kind: 'Valkey',
    namespaced: true,
  };
  if (version === 'v1') {
    for (const xrd of loadObjects('crossplane/xrd-database-v1.yaml')) {
      server.put(xrdType, xrd);
    }
    server.addType(claimType);
    server.addType(compositeType);
  } else {
    for (const xrd of loadObjects('crossplane/xrd-cache-v2.yaml')) {
      server.put(xrdType, xrd);
    }
    server.addType(valkeyType);
  }
  return { claimType, compositeType, valkeyType };
}

export function fakeKubeConfig(
  server: FakeKubeApiServer,
  options: { name?: string; token?: string } = {},
): KubeConfig {
  return createKubeConfig(options.name ?? 'test', {
    type: 'url',
    url: server.url,
    // The client only speaks plain http with TLS verification off.
    skipTLSVerify: true,
    token: options.token ?? 'engine-token',
  });
}

/** An engine for the fake cluster, with fast reconnects. */
export function createTestEngine(
  server: FakeKubeApiServer,
  options: Partial<KubernetesEngineOptions['cluster']> & {
    token?: string;
  } = {},
) {
  const name = options.name ?? 'test';
  const logger = mockServices.logger.mock();
  const client = new ClusterClient({
    name,
    kubeConfig: fakeKubeConfig(server, { name, token: options.token }),
    requestTimeoutMs: 5_000,
  });
  const engine = new KubernetesEngine({
    cluster: {
      name,
      title: `Test cluster ${name}`,
      namespaces: { production: 'team-billing' },
      ...options,
    },
    client,
    logger,
    backoff: { initialDelayMs: 10, maxDelayMs: 200 },
    watchTimeoutSeconds: { min: 60, max: 60 },
  });
  return { engine, client, logger };
}

/** Collects what an engine pushes, for tests to wait on. */
export function recordChanges(engine: KubernetesEngine) {
  const changes: EngineChange[] = [];
  const unsubscribe = engine.watch(change => changes.push(change));
  return { changes, unsubscribe };
}

/** Polls until `check` returns a value that is not undefined/false, or fails after `timeoutMs`. */
export async function waitFor<T>(
  check: () => T | undefined | false | Promise<T | undefined | false>,
  { timeoutMs = 20_000, intervalMs = 10, what = 'condition' } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined && value !== false) {
        return value;
      }
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) {
      throw new Error(
        `Timed out waiting for ${what}${lastError ? `: ${lastError}` : ''}`,
      );
    }
    await new Promise(resolve => setTimeout(resolve, intervalMs));
  }
}

/** Where the default {@link desiredResource} lands: production is team-billing's namespace. */
const DEFAULT_REQUEST = { namespace: 'team-billing', name: 'billing-db' };

export function desiredResource(
  overrides: Partial<DesiredResource> = {},
): DesiredResource {
  return {
    resourceId: 'res-0001',
    capability: 'postgresql',
    name: DEFAULT_REQUEST.name,
    environment: 'production',
    owner: 'group:default/team-billing',
    requestedBy: 'user:default/ada',
    component: 'component:default/billing-service',
    spec: { size: 'small', version: '16', backups: true },
    generation: 1,
    version: 'v1.2.0',
    ...overrides,
  };
}

/**
 * A fresh fake API server for every test of the calling `describe`,
 * closed after it: `cluster.server` is the current test's, and the
 * helpers above are bound to it.
 */
export function useFakeCluster() {
  let current: FakeKubeApiServer | undefined;
  beforeEach(async () => {
    current = await FakeKubeApiServer.start();
  });
  afterEach(async () => {
    await current?.close();
  });
  const cluster = {
    get server(): FakeKubeApiServer {
      if (!current) {
        throw new Error('The fake API server runs only during a test');
      }
      return current;
    },
    installKratix: (options?: Parameters<typeof installKratix>[1]) =>
      installKratix(cluster.server, options),
    installCrossplane: (version: 'v1' | 'v2') =>
      installCrossplane(cluster.server, version),
    createEngine: (options?: Parameters<typeof createTestEngine>[1]) =>
      createTestEngine(cluster.server, options),
    /** The object that applying the default {@link desiredResource} makes, if there is one. */
    request: (type: ResourceType) =>
      cluster.server.get(type, DEFAULT_REQUEST.namespace, DEFAULT_REQUEST.name),
    /** Changes that object as another writer would. */
    updateRequest: (
      type: ResourceType,
      change: (object: KubeObject) => KubeObject,
    ) =>
      cluster.server.update(
        type,
        DEFAULT_REQUEST.namespace,
        DEFAULT_REQUEST.name,
        change,
      ),
  };
  return cluster;
}
