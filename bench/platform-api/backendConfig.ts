/*
 * The parts of the platform API benchmark backend: who calls it, its config,
 * its logger, the signals tap, the instant in-memory engine's module and the
 * no-op plugin the platform API is compared against.
 */
import { WinstonLogger } from '@backstage/backend-defaults/rootLogger';
import {
  coreServices,
  createBackendModule,
  createBackendPlugin,
  createServiceFactory,
  DatabaseService,
} from '@backstage/backend-plugin-api';
import { eventsServiceRef } from '@backstage/plugin-events-node';
import {
  DefaultSignalsService,
  SignalPayload,
  SignalsService,
  signalsServiceRef,
} from '@backstage/plugin-signals-node';
import { JsonObject } from '@backstage/types';
import { platformCapabilityReadPermission } from '@trellis/backstage-plugin-platform-common';
import { platformEnginesExtensionPoint } from '@trellis/backstage-plugin-platform-node';
import { InMemoryEngine } from '@trellis/backstage-plugin-platform-node/testUtils';
import fs from 'node:fs';
import Router from 'express-promise-router';
import * as winston from 'winston';
import { BenchResources, postgresUrl } from './resources';

/** The engine id of the benchmark engine; capability refs are `bench:<name>`. */
export const BENCH_ENGINE_ID = 'bench';
/** Capabilities the benchmark engine offers. */
export const BENCH_CAPABILITIES = [
  'database',
  'cache',
  'queue',
  'bucket',
  'topic',
  'search',
  'secrets',
  'dns-zone',
];
/** The signed-in benchmark user and the groups it belongs to. */
export const BENCH_USER = 'user:default/bench';
export const BENCH_TEAMS = Array.from(
  { length: 100 },
  (_, i) => `group:default/team-${String(i).padStart(3, '0')}`,
);
/** The benchmark user is a member of the first 20 teams. */
export const BENCH_USER_TEAMS = BENCH_TEAMS.slice(0, 20);

/** Called for every signal the platform publishes, after it is forwarded. */
export type SignalTap = (
  signal: SignalPayload,
  calledAt: number,
  settledAt: number,
) => void;

/** BENCH_DECISION_CACHE: the platform's decision cache in seconds (10). */
export function decisionCacheSeconds(): number {
  const value = Number(process.env.BENCH_DECISION_CACHE ?? 10);
  if (!Number.isFinite(value) || value < 0) {
    throw new Error('BENCH_DECISION_CACHE must be a number of seconds');
  }
  return value;
}

/** BENCH_MCP=1: also run the MCP server (@backstage/plugin-mcp-actions-backend). */
export function benchMcp(): boolean {
  return process.env.BENCH_MCP === '1';
}

export function benchAuth(): 'user' | 'service' {
  const value = process.env.BENCH_AUTH ?? 'user';
  if (value !== 'user' && value !== 'service') {
    throw new Error(`BENCH_AUTH must be 'user' or 'service', got '${value}'`);
  }
  return value;
}

export function benchConfig(
  resources: BenchResources,
  port: number,
  serviceToken: string,
): JsonObject {
  const baseUrl = `http://127.0.0.1:${port}`;
  return {
    app: { baseUrl },
    backend: {
      baseUrl,
      listen: { host: '127.0.0.1', port },
      database:
        resources.database === 'postgres'
          ? {
              client: 'pg',
              connection: postgresUrl(),
              prefix: resources.pgPrefix!,
            }
          : {
              client: 'better-sqlite3',
              connection: { directory: resources.tmpDir },
            },
      auth: {
        externalAccess: [
          {
            type: 'static',
            options: { token: serviceToken, subject: 'bench' },
          },
        ],
      },
      // BENCH_MCP=1 (mcp.ts): the platform's actions as MCP tools.
      ...(benchMcp() ? { actions: { pluginSources: ['platform'] } } : {}),
    },
    auth: {
      environment: 'development',
      providers: {
        guest: {
          dangerouslyAllowOutsideDevelopment: true,
          userEntityRef: BENCH_USER,
          ownershipEntityRefs: [BENCH_USER, ...BENCH_USER_TEAMS],
        },
      },
    },
    permission: { enabled: true },
    platform: {
      permissions: { decisionCacheSeconds: decisionCacheSeconds() },
      // The static-token runs measure the API, not the approvals inbox: a
      // service principal's creates would otherwise be change requests.
      approvals: { servicePrincipals: 'allowed' },
    },
  };
}

/**
 * The backend logs as in production (JSON, level info: access log and audit
 * events included) but to a file, so that the figures stay readable;
 * warnings and errors also go to stderr.
 */
export function rootLoggerFactory(logFile: string) {
  return createServiceFactory({
    service: coreServices.rootLogger,
    deps: {},
    factory() {
      return WinstonLogger.create({
        meta: { service: 'backstage' },
        level: process.env.BENCH_LOG_LEVEL || 'info',
        format: winston.format.combine(
          winston.format.timestamp(),
          winston.format.json(),
        ),
        transports: [
          new winston.transports.Stream({
            stream: fs.createWriteStream(logFile, { flags: 'a' }),
          }),
          new winston.transports.Console({
            level: 'warn',
            stderrLevels: ['error', 'warn'],
          }),
        ],
      });
    },
  });
}

/**
 * The default signals service (publishes on the events bus, where the signals
 * backend picks it up) with a tap that records when the platform called
 * `publish` and when forwarding finished. Signals are forwarded, not dropped.
 */
export function signalsFactory(tap?: SignalTap) {
  return createServiceFactory({
    service: signalsServiceRef,
    deps: { events: eventsServiceRef },
    factory({ events }): SignalsService {
      const inner = DefaultSignalsService.create({ events });
      if (!tap) return inner;
      return {
        async publish(signal) {
          const calledAt = performance.now();
          try {
            await inner.publish(signal);
          } finally {
            tap(signal as SignalPayload, calledAt, performance.now());
          }
        },
      };
    },
  });
}

export function benchEngineModule(
  engine: InMemoryEngine,
  onDatabase: (database: DatabaseService) => void,
) {
  return createBackendModule({
    pluginId: 'platform',
    moduleId: 'bench-engine',
    register(reg) {
      reg.registerInit({
        deps: {
          engines: platformEnginesExtensionPoint,
          database: coreServices.database,
        },
        async init({ engines, database }) {
          engines.addEngine(engine);
          onDatabase(database);
        },
      });
    },
  });
}

/**
 * The floor to compare the platform API against: a bench-only plugin
 * (`/api/bench`, never part of Trellis) whose routes do nothing but what every
 * authenticated Backstage route does. `GET /noop` authenticates the caller
 * (`httpAuth.credentials`, user or service) and answers `{}`; `GET /authorize`
 * does the same plus one permission check (`platform.capability.read`, a basic
 * permission), the round trip every platform call makes at least once. Both
 * go through the same HTTP stack as the platform plugin (router, auth
 * middleware, access log) in the same process.
 */
export const benchNoopPlugin = createBackendPlugin({
  pluginId: 'bench',
  register(reg) {
    reg.registerInit({
      deps: {
        httpRouter: coreServices.httpRouter,
        httpAuth: coreServices.httpAuth,
        permissions: coreServices.permissions,
      },
      async init({ httpRouter, httpAuth, permissions }) {
        const router = Router();
        router.get('/noop', async (req, res) => {
          await httpAuth.credentials(req, { allow: ['user', 'service'] });
          res.json({});
        });
        router.get('/authorize', async (req, res) => {
          const credentials = await httpAuth.credentials(req, {
            allow: ['user', 'service'],
          });
          const [decision] = await permissions.authorize(
            [{ permission: platformCapabilityReadPermission }],
            { credentials },
          );
          res.json({ result: decision.result });
        });
        httpRouter.use(router);
      },
    });
  },
});
