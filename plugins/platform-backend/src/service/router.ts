import { HttpAuthService } from '@backstage/backend-plugin-api';
import { createValidatedOpenApiRouter } from '@backstage/backend-openapi-utils';
import {
  CreateResourceRequest,
  CreateRolloutRequest,
  ChangeRequestStatus,
  ENGINE_AUTHORIZATION_HEADER,
  isPendingApproval,
  ListResourcesQuery,
  ResourcePhase,
  UpdateResourceRequest,
} from '@trellis/backstage-plugin-platform-common';
import express from 'express';
import { UserTokenVault } from '../credentials/UserTokenVault';
import { EngineRegistry } from '../engines/EngineRegistry';
import { spec } from '../schema/openapi.generated';
import { jsonRequestBody } from '../validation/requestBody';
import { EventFeed } from './EventFeed';
import { PlatformServiceImpl } from './PlatformServiceImpl';

/** Query parameters that may repeat arrive as a string or a string array. */
function list(value: unknown): string[] | undefined {
  if (value === undefined) return undefined;
  return (Array.isArray(value) ? value : [value]).map(String);
}

/**
 * The HTTP layer of the platform API: request validation against the OpenAPI
 * spec, credentials, and status codes. Behaviour lives in PlatformServiceImpl.
 */
export async function createRouter(options: {
  engines: EngineRegistry;
  service: PlatformServiceImpl;
  httpAuth: HttpAuthService;
  tokens: UserTokenVault;
  eventFeed: EventFeed;
}): Promise<express.Router> {
  const { engines, service, httpAuth, tokens, eventFeed } = options;
  const router = createValidatedOpenApiRouter<typeof spec>(spec, {
    // The body is parsed in front of this router (below), so that its errors
    // keep their status and wording; nothing is left to parse here.
    middleware: [(_req, _res, next) => next()],
    validatorOptions: {
      validateRequests: {
        // JSON bodies keep their types (`"name": 123` is an error, not
        // "123"); query parameters, which are strings, are still coerced.
        coerceTypes: false,
        allowUnknownQueryParameters: false,
      },
    },
  });
  // The typed OpenAPI request is an express request underneath.
  const raw = (req: unknown) => req as express.Request;
  const credentials = (req: unknown) =>
    httpAuth.credentials(raw(req), { allow: ['user', 'service'] });
  /** Credentials, request, and the caller's engine token, for changes. */
  const change = async (req: unknown) => ({
    credentials: await credentials(req),
    request: raw(req),
    engineToken: tokens.parseHeader(
      raw(req).header(ENGINE_AUTHORIZATION_HEADER),
    ),
  });

  router.get('/health', (_req, res) => {
    res.json({
      status: 'ok',
      engines: engines.list().map(e => ({ id: e.id, title: e.title })),
    });
  });

  router.get('/capabilities', async (req, res) => {
    const items = await service.listCapabilities({
      credentials: await credentials(req),
    });
    res.json({ items });
  });

  router.get('/capabilities/:ref', async (req, res) => {
    res.json(
      await service.getCapability(req.params.ref, {
        credentials: await credentials(req),
      }),
    );
  });

  router.post('/capabilities/:ref/reconcile', async (req, res) => {
    await service.reconcileCapability(req.params.ref, await change(req));
    res.status(202).json({ status: 'accepted' });
  });

  router.get('/resources', async (req, res) => {
    const q = req.query;
    const query: ListResourcesQuery = {
      capabilityRef: list(q.capabilityRef),
      owner: list(q.owner),
      component: list(q.component),
      phase: list(q.phase) as ResourcePhase[] | undefined,
      environment: list(q.environment),
      text: q.text,
      orderBy: q.orderBy,
      order: q.order,
      limit: q.limit === undefined ? undefined : Number(q.limit),
      cursor: q.cursor,
      includeDeleted:
        q.includeDeleted === undefined
          ? undefined
          : String(q.includeDeleted) === 'true',
    };
    res.json(
      await service.listResources(query, {
        credentials: await credentials(req),
      }),
    );
  });

  router.post('/resources', async (req, res) => {
    const dryRun = String(req.query.dryRun) === 'true';
    const result = await service.createResource(
      req.body as CreateResourceRequest,
      {
        ...(await change(req)),
        dryRun,
        idempotencyKey: req.header('idempotency-key') ?? undefined,
      },
    );
    if (isPendingApproval(result)) {
      res.status(202).json(result);
      return;
    }
    res.status(result.created ? 201 : 200).json(result.resource);
  });

  router.get('/resources/:id', async (req, res) => {
    res.json(
      await service.getResource(req.params.id, {
        credentials: await credentials(req),
      }),
    );
  });

  router.patch('/resources/:id', async (req, res) => {
    const result = await service.updateResource(
      req.params.id,
      req.body as UpdateResourceRequest,
      await change(req),
    );
    if (isPendingApproval(result)) {
      res.status(202).json(result);
      return;
    }
    res.json(result);
  });

  router.delete('/resources/:id', async (req, res) => {
    res
      .status(202)
      .json(await service.deleteResource(req.params.id, await change(req)));
  });

  router.post('/resources/:id/retry', async (req, res) => {
    res
      .status(202)
      .json(await service.retryResource(req.params.id, await change(req)));
  });

  router.get('/resources/:id/history', async (req, res) => {
    const items = await service.getResourceHistory(req.params.id, {
      credentials: await credentials(req),
    });
    res.json({ items });
  });

  router.get('/resources/:id/logs', async (req, res) => {
    const items = await service.getResourceLogs(req.params.id, {
      credentials: await credentials(req),
    });
    res.json({ items });
  });

  router.get('/change-requests', async (req, res) => {
    const q = req.query;
    res.json(
      await service.listChangeRequests(
        {
          status: list(q.status) as ChangeRequestStatus[] | undefined,
          resourceId: q.resourceId,
          requestedBy: q.requestedBy,
          mine: q.mine === undefined ? undefined : String(q.mine) === 'true',
          limit: q.limit === undefined ? undefined : Number(q.limit),
          cursor: q.cursor,
        },
        { credentials: await credentials(req) },
      ),
    );
  });

  router.get('/change-requests/:id', async (req, res) => {
    res.json(
      await service.getChangeRequest(req.params.id, {
        credentials: await credentials(req),
      }),
    );
  });

  router.post('/change-requests/:id/approve', async (req, res) => {
    res.json(
      await service.approveChangeRequest(
        req.params.id,
        (req.body ?? {}) as { comment?: string },
        { credentials: await credentials(req), request: raw(req) },
      ),
    );
  });

  router.post('/change-requests/:id/reject', async (req, res) => {
    res.json(
      await service.rejectChangeRequest(
        req.params.id,
        req.body as { comment: string },
        { credentials: await credentials(req), request: raw(req) },
      ),
    );
  });

  router.post('/change-requests/:id/cancel', async (req, res) => {
    res.json(
      await service.cancelChangeRequest(req.params.id, {
        credentials: await credentials(req),
        request: raw(req),
      }),
    );
  });

  router.get('/events', async (req, res) => {
    res.json(
      await eventFeed.list(
        {
          after: req.query.after,
          limit:
            req.query.limit === undefined ? undefined : Number(req.query.limit),
        },
        { credentials: await credentials(req) },
      ),
    );
  });

  router.get('/fleet', async (req, res) => {
    res.json(
      await service.getFleetSummary({ credentials: await credentials(req) }),
    );
  });

  router.get('/rollouts', async (req, res) => {
    const items = await service.listRollouts(
      { capabilityRef: req.query.capabilityRef },
      { credentials: await credentials(req) },
    );
    res.json({ items });
  });

  router.post('/rollouts', async (req, res) => {
    res
      .status(201)
      .json(
        await service.createRollout(
          req.body as CreateRolloutRequest,
          await change(req),
        ),
      );
  });

  router.get('/rollouts/:id', async (req, res) => {
    res.json(
      await service.getRollout(req.params.id, {
        credentials: await credentials(req),
      }),
    );
  });

  router.post('/rollouts/:id/pause', async (req, res) => {
    res.json(
      await service.pauseRollout(req.params.id, {
        credentials: await credentials(req),
        request: raw(req),
      }),
    );
  });

  router.post('/rollouts/:id/resume', async (req, res) => {
    res.json(await service.resumeRollout(req.params.id, await change(req)));
  });

  const api = express.Router();
  api.use(jsonRequestBody(spec));
  api.use(router);
  return api;
}
