import request from 'supertest';
import {
  ALICE,
  asUser,
  eventually,
  ORDERS_DB_REQUEST,
  describePlatformApi,
} from './__testUtils__/harness';

// Changing and deleting resources.

jest.setTimeout(60_000);

const as = asUser;

describePlatformApi('platform API changes on %p', start => {
  it('updates specs with optimistic concurrency', async () => {
    const { server, engine } = await start();
    const created = await request(server)
      .post('/api/platform/resources')
      .set(as(ALICE))
      .send(ORDERS_DB_REQUEST);
    const id = created.body.id;
    await eventually(() => engine.applyCount(id) === 1, 'apply');
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

    const updated = await request(server)
      .patch(`/api/platform/resources/${id}`)
      .set(as(ALICE))
      .send({ spec: { size: 'large' }, generation: 1 });
    expect(updated.status).toBe(200);
    expect(updated.body).toMatchObject({
      generation: 2,
      spec: { size: 'large', replicas: 1 },
      status: { phase: 'Updating' },
    });
    await eventually(
      () => engine.applyCount(id, 2) === 1,
      'apply of generation 2',
    );

    const stale = await request(server)
      .patch(`/api/platform/resources/${id}`)
      .set(as(ALICE))
      .send({ spec: { size: 'small' }, generation: 1 });
    expect(stale.status).toBe(409);
    expect(stale.body.error.message).toMatch(/is at generation 2, not 1/);

    const invalid = await request(server)
      .patch(`/api/platform/resources/${id}`)
      .set(as(ALICE))
      .send({ spec: { size: 'tiny' }, generation: 2 });
    expect(invalid.status).toBe(400);
    expect(invalid.body.error.message).toMatch(/spec\.size/);

    // A failed resource goes Updating on a spec change: a fix is on its way.
    engine.report(id, {
      phase: 'Failed',
      message: 'out of disk',
      observedGeneration: 2,
    });
    await eventually(async () => {
      const res = await request(server)
        .get(`/api/platform/resources/${id}`)
        .set(as(ALICE));
      return res.body.status.phase === 'Failed';
    }, 'Failed');
    const retry = await request(server)
      .patch(`/api/platform/resources/${id}`)
      .set(as(ALICE))
      .send({ spec: { size: 'large', replicas: 2 }, generation: 2 });
    expect(retry.body).toMatchObject({
      generation: 3,
      status: { phase: 'Updating' },
    });

    // The engine catching up on generation 3 makes it Ready again.
    engine.report(id, {
      phase: 'Ready',
      observedGeneration: 3,
      message: undefined,
    });
    await eventually(async () => {
      const res = await request(server)
        .get(`/api/platform/resources/${id}`)
        .set(as(ALICE));
      return (
        res.body.status.phase === 'Ready' && res.body.observedGeneration === 3
      );
    }, 'Ready at generation 3');
  });

  it('deletes through the engine and keeps the history', async () => {
    const { server, engine } = await start();
    const created = await request(server)
      .post('/api/platform/resources')
      .set(as(ALICE))
      .send(ORDERS_DB_REQUEST);
    const id = created.body.id;
    await eventually(() => engine.applyCount(id) === 1, 'apply');
    engine.report(id, { phase: 'Ready', observedGeneration: 1 });

    const deleting = await request(server)
      .delete(`/api/platform/resources/${id}`)
      .set(as(ALICE));
    expect(deleting.status).toBe(202);
    await eventually(
      () => engine.deleted.some(d => d.resourceId === id),
      'engine delete',
    );
    engine.finishDelete(id);

    const deleted = await eventually(async () => {
      const res = await request(server)
        .get(`/api/platform/resources/${id}`)
        .set(as(ALICE));
      return res.body.status.phase === 'Deleted' ? res.body : undefined;
    }, 'Deleted');
    expect(deleted.deletedAt).toEqual(expect.any(String));

    const live = await request(server)
      .get('/api/platform/resources')
      .set(as(ALICE));
    expect(live.body.totalCount).toBe(0);
    const all = await request(server)
      .get('/api/platform/resources?includeDeleted=true')
      .set(as(ALICE));
    expect(all.body.totalCount).toBe(1);

    const history = await request(server)
      .get(`/api/platform/resources/${id}/history`)
      .set(as(ALICE));
    expect(history.body.items.map((e: any) => e.type)).toEqual([
      'requested',
      'phase-changed',
      'delete-requested',
      'phase-changed',
      'phase-changed',
      'deleted',
    ]);

    // The name is free again.
    expect(
      (
        await request(server)
          .post('/api/platform/resources')
          .set(as(ALICE))
          .send(ORDERS_DB_REQUEST)
      ).status,
    ).toBe(201);
  });
});
