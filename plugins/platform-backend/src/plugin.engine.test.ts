import { createServiceFactory } from '@backstage/backend-plugin-api';
import { signalsServiceRef } from '@backstage/plugin-signals-node';
import { InputError } from '@backstage/errors';
import request from 'supertest';
import {
  ALICE,
  asUser,
  eventually,
  ORDERS_DB_REQUEST,
  describePlatformApi,
} from './__testUtils__/harness';

// What the engine does and says: outages, rejections, order, resync, signals.

jest.setTimeout(60_000);

const as = asUser;

describePlatformApi('platform API and its engine on %p', start => {
  it('keeps requests Pending while the engine is down and applies them when it is back', async () => {
    const { server, engine, runTask } = await start();
    engine.setAvailable(false);

    const created = await request(server)
      .post('/api/platform/resources')
      .set(as(ALICE))
      .send(ORDERS_DB_REQUEST);
    expect(created.status).toBe(201);
    const id = created.body.id;

    const history = await eventually(async () => {
      const res = await request(server)
        .get(`/api/platform/resources/${id}/history`)
        .set(as(ALICE));
      return res.body.items.some((e: any) => e.type === 'dispatch-failed')
        ? res.body.items
        : undefined;
    }, 'dispatch failure recorded');
    expect(
      history.find((e: any) => e.type === 'dispatch-failed').message,
    ).toMatch(/Engine memory is unavailable; retrying with backoff/);
    expect(
      (
        await request(server)
          .get(`/api/platform/resources/${id}`)
          .set(as(ALICE))
      ).body.status.phase,
    ).toBe('Pending');

    // Still down: the scheduled pass retries and fails again, nothing is lost.
    await new Promise(r => setTimeout(r, 100));
    await runTask('platform-dispatch');
    expect(engine.applied).toHaveLength(0);

    engine.setAvailable(true);
    await eventually(async () => {
      await runTask('platform-dispatch');
      return engine.applyCount(id) === 1;
    }, 'apply after recovery');
    engine.report(id, { phase: 'Ready', observedGeneration: 1 });
    await eventually(
      async () =>
        (
          await request(server)
            .get(`/api/platform/resources/${id}`)
            .set(as(ALICE))
        ).body.status.phase === 'Ready',
      'Ready',
    );
  });

  it('fails a request the engine rejects, with the engine message', async () => {
    const { server, engine } = await start();
    engine.failNextApply(
      new InputError('quota exceeded: team-a may have 3 databases'),
    );
    const created = await request(server)
      .post('/api/platform/resources')
      .set(as(ALICE))
      .send(ORDERS_DB_REQUEST);
    const failed = await eventually(async () => {
      const res = await request(server)
        .get(`/api/platform/resources/${created.body.id}`)
        .set(as(ALICE));
      return res.body.status.phase === 'Failed' ? res.body : undefined;
    }, 'Failed');
    expect(failed.status.message).toBe(
      'quota exceeded: team-a may have 3 databases',
    );
  });

  it('records the changes of one resource in the order the engine sent them', async () => {
    const { server, engine } = await start();
    const created = await request(server)
      .post('/api/platform/resources')
      .set(as(ALICE))
      .send(ORDERS_DB_REQUEST);
    const id = created.body.id;
    await eventually(() => engine.applyCount(id) === 1, 'apply');
    // A burst of pushes, sent synchronously: the last one must win.
    engine.report(id, { phase: 'Provisioning' });
    engine.report(id, { phase: 'Ready', observedGeneration: 1 });
    engine.report(id, { phase: 'Failed', message: 'disk full' });
    const history = await eventually(async () => {
      const res = await request(server)
        .get(`/api/platform/resources/${id}/history`)
        .set(as(ALICE));
      const phases = res.body.items
        .filter((e: any) => e.type === 'phase-changed')
        .map((e: any) => e.toPhase);
      return phases.length === 3 ? phases : undefined;
    }, 'three transitions');
    expect(history).toEqual(['Provisioning', 'Ready', 'Failed']);
    const res = await request(server)
      .get(`/api/platform/resources/${id}`)
      .set(as(ALICE));
    expect(res.body.status).toMatchObject({
      phase: 'Failed',
      message: 'disk full',
    });
  });

  it('heals a change the watch missed with the periodic resync', async () => {
    const { server, engine, runTask } = await start();
    const created = await request(server)
      .post('/api/platform/resources')
      .set(as(ALICE))
      .send(ORDERS_DB_REQUEST);
    const id = created.body.id;
    await eventually(() => engine.applyCount(id) === 1, 'apply');
    // The engine moves on without pushing (a dropped watch).
    engine.instances.set(id, {
      ...engine.instances.get(id)!,
      phase: 'Degraded',
      message: 'works failing',
    });
    await runTask('platform-resync');
    const res = await request(server)
      .get(`/api/platform/resources/${id}`)
      .set(as(ALICE));
    expect(res.body.status).toMatchObject({
      phase: 'Degraded',
      message: 'works failing',
    });

    // The engine lost the resource altogether: it is applied again.
    engine.instances.delete(id);
    await runTask('platform-resync');
    await eventually(async () => {
      await runTask('platform-dispatch');
      return engine.applyCount(id) === 2;
    }, 're-apply');
  });

  it('pushes status changes as signals per resource and per component, and audits mutations', async () => {
    const publish = jest.fn(async (_signal: unknown) => {});
    const { server, engine, auditor } = await start({
      extraFeatures: [
        createServiceFactory({
          service: signalsServiceRef,
          deps: {},
          factory: () => ({ publish }),
        }),
      ],
    });

    const created = await request(server)
      .post('/api/platform/resources')
      .set(as(ALICE))
      .send(ORDERS_DB_REQUEST);
    const id = created.body.id;
    await eventually(() => engine.applyCount(id) === 1, 'apply');
    publish.mockClear();
    engine.report(id, { phase: 'Ready', observedGeneration: 1 });
    await eventually(() => publish.mock.calls.length >= 2, 'signals');
    // Broadcast, so content-free: browsers read the resource again.
    expect(publish).toHaveBeenCalledWith({
      recipients: { type: 'broadcast' },
      channel: `platform:resource:${id}`,
      message: { type: 'changed' },
    });
    expect(publish).toHaveBeenCalledWith(
      expect.objectContaining({
        channel: 'platform:entity:component:default/orders',
      }),
    );
    expect(auditor.createEvent).toHaveBeenCalledWith(
      expect.objectContaining({
        eventId: 'resource-create',
        severityLevel: 'medium',
      }),
    );
  });
});
