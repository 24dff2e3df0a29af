import {
  AuditorService,
  BackstageCredentials,
  HttpAuthService,
  PermissionsService,
} from '@backstage/backend-plugin-api';
import { createValidatedOpenApiRouter } from '@backstage/backend-openapi-utils';
import { InputError, NotAllowedError } from '@backstage/errors';
import {
  AuthorizeResult,
  BasicPermission,
} from '@backstage/plugin-permission-common';
import {
  devexAdminPermission,
  devexMetricsReadPermission,
  DevexMetric,
} from '@trellis/backstage-plugin-devex-common';
import express from 'express';
import { FactStore } from '../database/FactStore';
import { ingestAnalytics } from '../ingest/analytics';
import { MetricsService } from '../metrics/MetricsService';
import { day } from '../metrics/query';
import { SourceRegistry } from '../registry/SourceRegistry';
import { spec } from '../schema/openapi.generated';
import { DevexReads } from './DevexReads';

export interface RouterOptions {
  httpAuth: HttpAuthService;
  permissions: PermissionsService;
  auditor: AuditorService;
  store: FactStore;
  metrics: MetricsService;
  /** The figures with their permission checks, shared with the actions. */
  reads: DevexReads;
  registry: SourceRegistry;
}

/** Room for a full batch of events or facts with their attributes. */
const BODY_LIMIT = '5mb';
const DEFAULT_EXPORT_PAGE = 100;

/**
 * The HTTP layer of the DevEx API: request validation against the OpenAPI
 * spec, credentials and permissions, audit of mutations. Figures come from
 * DevexReads (as for the actions), writes go to the FactStore.
 */
export async function createRouter(
  options: RouterOptions,
): Promise<express.Router> {
  const { httpAuth, permissions, auditor, store, metrics, registry, reads } =
    options;
  // Bodies are parsed before the OpenAPI router, so that a body over the
  // limit is answered 413 (the validated router would turn it into a 400).
  const outer = express.Router();
  outer.use(express.json({ limit: BODY_LIMIT }));
  outer.use(
    (
      error: unknown,
      _req: express.Request,
      _res: express.Response,
      next: express.NextFunction,
    ) => {
      if ((error as { type?: string })?.type === 'entity.too.large') {
        next(
          Object.assign(
            new Error(
              `body: larger than ${BODY_LIMIT}; send at most 500 analytics events or 1000 facts per request`,
            ),
            { name: 'PayloadTooLargeError', statusCode: 413 },
          ),
        );
        return;
      }
      next(error);
    },
  );
  const router = createValidatedOpenApiRouter<typeof spec>(spec, {
    validatorOptions: {
      validateRequests: {
        coerceTypes: true,
        allowUnknownQueryParameters: false,
      },
    },
  });
  const raw = (req: unknown) => req as express.Request;

  const authorize = async (
    req: unknown,
    permission: BasicPermission,
    allow: ('user' | 'service')[] = ['user', 'service'],
  ): Promise<BackstageCredentials> => {
    const credentials = await httpAuth.credentials(raw(req), { allow });
    const [decision] = await permissions.authorize([{ permission }], {
      credentials,
    });
    if (decision.result !== AuthorizeResult.ALLOW) {
      throw new NotAllowedError(`Not allowed: ${permission.name}`);
    }
    return credentials;
  };

  /** Runs a mutation inside an audit event that records its outcome. */
  const audited = async <T>(
    req: unknown,
    eventId: string,
    meta: Record<string, string | number>,
    fn: () => Promise<T>,
    summary: (result: T) => Record<string, number | string | undefined>,
  ): Promise<T> => {
    const event = await auditor.createEvent({
      eventId,
      severityLevel: eventId === 'analytics-write' ? 'low' : 'medium',
      request: raw(req),
      meta,
    });
    try {
      const result = await fn();
      await event.success({
        meta: JSON.parse(JSON.stringify(summary(result))),
      });
      return result;
    } catch (error) {
      await event.fail({ error: error as Error });
      throw error;
    }
  };

  router.get('/health', (_req, res) => {
    res.json({ status: 'ok', sources: registry.list().map(s => s.id) });
  });

  router.post('/analytics', async (req, res) => {
    const credentials = await httpAuth.credentials(raw(req), {
      allow: ['user'],
    });
    const user = credentials.principal.userEntityRef;
    const events = req.body.events as unknown[];
    const result = await audited(
      req,
      'analytics-write',
      { events: events.length },
      () => ingestAnalytics(store, user, events),
      r => ({
        accepted: r.accepted,
        duplicates: r.duplicates,
        rejected: r.rejected.length,
      }),
    );
    res.json(result);
  });

  router.post('/facts', async (req, res) => {
    const credentials = await httpAuth.credentials(raw(req), {
      allow: ['user', 'service'],
    });
    if (credentials.principal.type === 'user') {
      await authorize(req, devexAdminPermission, ['user']);
    }
    const source = req.body.source ?? 'api';
    if (registry.list().some(s => s.id === source) || source === 'analytics') {
      throw new InputError(
        `source: '${source}' is the id of a built-in or registered source; facts over HTTP need their own source id`,
      );
    }
    const facts = req.body.facts as unknown[];
    const result = await audited(
      req,
      'facts-write',
      { source, facts: facts.length },
      () => store.write(source, facts),
      r => ({
        accepted: r.accepted,
        duplicates: r.duplicates,
        rejected: r.rejected.length,
      }),
    );
    res.json(result);
  });

  router.get('/facts', async (req, res) => {
    await authorize(req, devexAdminPermission);
    const q = req.query;
    const from = q.from === undefined ? undefined : day(q.from, 'from');
    const to = q.to === undefined ? undefined : day(q.to, 'to');
    if (from && to && from > to) {
      throw new InputError(
        `to: the range is inverted (${from} is after ${to})`,
      );
    }
    const page = await audited(
      req,
      'facts-export',
      { kind: q.kind ?? '', from: from ?? '', to: to ?? '' },
      () =>
        store.exportFacts({
          kind: q.kind,
          from,
          to,
          after: q.after === undefined ? undefined : Number(q.after),
          limit: q.limit === undefined ? DEFAULT_EXPORT_PAGE : Number(q.limit),
        }),
      p => ({ facts: p.items.length }),
    );
    res.json(page);
  });

  router.post('/admin/rebuild', async (req, res) => {
    await authorize(req, devexAdminPermission);
    const result = await audited(
      req,
      'rollups-rebuild',
      {},
      () => store.rebuild(),
      r => r,
    );
    res.json(result);
  });

  const caller = (req: unknown) =>
    httpAuth.credentials(raw(req), { allow: ['user', 'service'] });

  router.get('/metrics/:metric', async (req, res) => {
    const metric = req.params.metric as DevexMetric;
    res.json({ ...(await reads.metric(await caller(req), metric, req.query)) });
  });

  router.get('/metrics/delivery/evidence', async (req, res) => {
    res.json({ ...(await reads.evidence(await caller(req), req.query)) });
  });

  router.get('/teams/summary', async (req, res) => {
    res.json({ ...(await reads.teamSummary(await caller(req), req.query)) });
  });

  router.get('/sources', async (req, res) => {
    await authorize(req, devexMetricsReadPermission);
    res.json(await metrics.sources());
  });

  outer.use(router);
  return outer;
}
