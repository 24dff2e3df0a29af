import {
  ResourceEvent,
  ResourceFeedEvent,
  Rollout,
} from '@trellis/backstage-plugin-platform-common';
import express from 'express';
import { Server } from 'node:http';
import { AddressInfo } from 'node:net';

/**
 * The platform API's feed contract over HTTP (GET /events in id order with
 * `after` and `limit`, nextCursor always set; GET /rollouts), as the
 * platform backend's own tests check it.
 */
export class FakePlatform {
  readonly feed: ResourceFeedEvent[] = [];
  rollouts: Rollout[] = [];
  tokens: string[] = [];
  private server?: Server;
  nextId = 1;

  async listen(port: number) {
    const app = express();
    app.use((req, _res, next) => {
      this.tokens.push(String(req.headers.authorization));
      next();
    });
    app.get('/api/platform/events', (req, res) => {
      const after = Number(req.query.after ?? 0);
      const limit = Number(req.query.limit ?? 100);
      const items = this.feed
        .filter(e => Number(e.event.id) > after)
        .slice(0, limit);
      res.json({
        items,
        nextCursor: items.length
          ? items[items.length - 1].event.id
          : String(req.query.after ?? '0'),
      });
    });
    app.get('/api/platform/rollouts', (_req, res) => {
      res.json({ items: this.rollouts });
    });
    this.server = await new Promise<Server>(resolve => {
      const s = app.listen(port, '127.0.0.1', () => resolve(s));
    });
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  close() {
    return new Promise(resolve => this.server?.close(resolve));
  }

  add(resourceId: string, event: Omit<ResourceEvent, 'id' | 'resourceId'>) {
    this.feed.push({
      event: { id: String(this.nextId++), resourceId, ...event },
      resource: {
        id: resourceId,
        name: `${resourceId}-db`,
        capabilityRef: 'local:postgres',
        engineId: 'local',
        environment: 'dev',
        owner: 'group:default/team-a',
        requestedBy: 'user:default/alice',
        component: `component:default/${resourceId}`,
        createdAt: '2026-11-02T09:00:00.000Z',
      },
    });
  }
}

export const at = (seconds: number) =>
  new Date(
    Date.parse('2026-11-02T09:00:00.000Z') + seconds * 1000,
  ).toISOString();

/** One resource's life: requested, picked up, Ready, updated, Ready, failed, deleted. */
export function lifeOf(platform: FakePlatform, id: string) {
  platform.add(id, {
    type: 'requested',
    at: at(0),
    actor: 'user:default/alice',
  });
  platform.add(id, {
    type: 'phase-changed',
    at: at(4),
    fromPhase: 'Pending',
    toPhase: 'Provisioning',
  });
  platform.add(id, {
    type: 'phase-changed',
    at: at(64),
    fromPhase: 'Provisioning',
    toPhase: 'Ready',
  });
  platform.add(id, { type: 'spec-updated', at: at(100), generation: 2 });
  platform.add(id, {
    type: 'phase-changed',
    at: at(101),
    fromPhase: 'Ready',
    toPhase: 'Updating',
  });
  platform.add(id, {
    type: 'phase-changed',
    at: at(130),
    fromPhase: 'Updating',
    toPhase: 'Ready',
  });
  platform.add(id, {
    type: 'phase-changed',
    at: at(200),
    fromPhase: 'Ready',
    toPhase: 'Failed',
    reason: 'ReconcileError',
    message: 'disk quota exceeded',
  });
  platform.add(id, {
    type: 'delete-requested',
    at: at(300),
    actor: 'user:default/alice',
  });
  platform.add(id, {
    type: 'phase-changed',
    at: at(310),
    fromPhase: 'Failed',
    toPhase: 'Deleted',
  });
  platform.add(id, { type: 'deleted', at: at(310) });
}
