import {
  HttpAuthService,
  PermissionsService,
} from '@backstage/backend-plugin-api';
import { NotAllowedError } from '@backstage/errors';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import { devexAdminPermission } from '@trellis/backstage-plugin-devex-common';
import express from 'express';
import Router from 'express-promise-router';
import { DeliveryStore } from './DeliveryStore';

/**
 * `GET /api/devex/delivery/connect`: the admins' "Connect" view of delivery
 * ingestion: deliveries good / bad / ignored / pending, the repos (and
 * PagerDuty services) with no component and the SCM logins with no user,
 * and the latest errors. Needs `devex.admin`.
 */
export function createDeliveryRouter(options: {
  httpAuth: HttpAuthService;
  permissions: PermissionsService;
  store: DeliveryStore;
}): express.Router {
  const router = Router();
  router.get('/delivery/connect', async (req, res) => {
    const credentials = await options.httpAuth.credentials(req, {
      allow: ['user', 'service'],
    });
    const [decision] = await options.permissions.authorize(
      [{ permission: devexAdminPermission }],
      { credentials },
    );
    if (decision.result !== AuthorizeResult.ALLOW) {
      throw new NotAllowedError(`Not allowed: ${devexAdminPermission.name}`);
    }
    res.json(await options.store.counts());
  });
  return router;
}
