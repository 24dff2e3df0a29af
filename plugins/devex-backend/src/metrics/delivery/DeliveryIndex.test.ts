import { TestDatabases } from '@backstage/backend-test-utils';
import { DevexFact } from '@trellis/backstage-plugin-devex-common';
import { Knex } from 'knex';
import {
  createTestStore,
  testDatabaseIds,
} from '../../__testUtils__/testStore';
import { DeliveryIndex } from './DeliveryIndex';

jest.setTimeout(180_000);

const databases = TestDatabases.create({ ids: testDatabaseIds() });

const REPOS = ['api', 'web', 'tool'];
const START = Date.parse('2026-09-01T00:00:00Z');
const MIN = 60_000;

/** A seeded generator: the same history every run. */
function random(seed: number) {
  let s = seed;
  return () => {
    s = (s + 0x6d2b79f5) | 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * About 3,000 delivery facts over 16 days in three repos, each claimed by
 * a component: production deployments (shas that are sometimes shipped
 * again: rollbacks; some failed first and then succeeded, some staging),
 * merged changes with and without a first commit, incidents opened and
 * resolved (one reopened, one never resolved), one component's change
 * recorded first without its component and then with it.
 */
function history(): DevexFact[] {
  const next = random(12);
  const at = (t: number) => new Date(t).toISOString();
  const facts: DevexFact[] = [];
  for (const repo of REPOS) {
    const entityRef = `component:default/${repo}`;
    const shas: string[] = [];
    let t = START;
    for (let n = 0; t < START + 16 * 1440 * MIN; n++) {
      t += (10 + Math.floor(next() * 80)) * MIN;
      // Rolled back: the sha of the one before the last again.
      const sha =
        shas.length > 2 && next() < 0.15
          ? shas[shas.length - 2]
          : `${repo}${n}`;
      shas.push(sha);
      const created = t - Math.floor(next() * 20) * MIN;
      const deployment = (status: string, time: number, extra = {}) => ({
        sourceId: `t:dep/${repo}/${n}/${status}`,
        kind: 'delivery.deployment',
        time: at(time),
        subject: `github:deployment/acme/${repo}/${n}`,
        actor: 'user:default/a1',
        entityRef,
        attributes: {
          provider: 'github',
          repo: `acme/${repo}`,
          id: String(n),
          environment: 'production',
          production: true,
          status,
          sha,
          url: `https://github.com/acme/${repo}/deployments/${n}`,
          createdAt: at(created),
          ...extra,
        },
      });
      if (next() < 0.08) facts.push(deployment('failure', t - 3 * MIN));
      if (next() < 0.1) {
        facts.push(
          deployment('success', t, {
            environment: 'staging',
            production: false,
          }),
        );
      } else {
        facts.push(deployment('success', t));
      }
      const changes = Math.floor(next() * 3);
      for (let c = 0; c < changes; c++) {
        const merged = t - Math.floor(next() * 120) * MIN;
        const number = n * 10 + c;
        const first =
          next() < 0.8 ? at(merged - Math.floor(next() * 3000) * MIN) : null;
        const change = (withComponent: boolean, time: number) => ({
          sourceId: `t:pr/${repo}/${number}/${withComponent}`,
          kind: 'delivery.change.merged',
          time: at(time),
          subject: `github:pr/acme/${repo}/${number}`,
          actor: `user:default/u${number % 7}`,
          ...(withComponent ? { entityRef } : {}),
          attributes: {
            provider: 'github',
            repo: `acme/${repo}`,
            number,
            url: `https://github.com/acme/${repo}/pull/${number}`,
            firstCommitAt: first,
            mergeSha: `m${number}`,
            baseBranch: 'main',
            labels: [],
          },
        });
        if (next() < 0.05) facts.push(change(false, merged));
        facts.push(change(true, merged));
      }
      if (next() < 0.03) {
        const opened = t + Math.floor(next() * 600) * MIN;
        const id = `${repo}-${n}`;
        const incident = {
          subject: `pagerduty:incident/${id}`,
          entityRef,
          attributes: {
            provider: 'pagerduty',
            id,
            title: `Incident ${id}`,
            severity: 'high',
            openedAt: at(opened),
          },
        };
        facts.push({
          ...incident,
          sourceId: `t:inc/${id}/opened`,
          kind: 'delivery.incident.opened',
          time: at(opened),
        });
        const roll = next();
        if (roll < 0.9) {
          const resolved = opened + Math.floor(next() * 900) * MIN;
          facts.push({
            ...incident,
            sourceId: `t:inc/${id}/resolved`,
            kind: 'delivery.incident.resolved',
            time: at(resolved),
            value: (resolved - opened) / 1000,
            attributes: { ...incident.attributes, resolvedAt: at(resolved) },
          });
          if (roll < 0.1) {
            const again = resolved + 60 * MIN;
            facts.push({
              ...incident,
              sourceId: `t:inc/${id}/reopened`,
              kind: 'delivery.incident.opened',
              time: at(again),
              attributes: { ...incident.attributes, openedAt: at(again) },
            });
          }
        }
      }
    }
  }
  return facts.sort((a, b) => (a.time < b.time ? -1 : Number(a.time > b.time)));
}

/** Every row the index keeps, without the fact ids (they follow the order). */
async function tables(db: Knex) {
  const rows = async (table: string, order: string[]) =>
    (await db(table).orderBy(order).select()).map(
      ({ fact_id: _id, ...row }: Record<string, any>) => row,
    );
  return {
    deployments: await rows('devex_delivery_deployments', ['subject']),
    changes: await rows('devex_delivery_changes', ['subject']),
    incidents: await rows('devex_delivery_incidents', ['subject']),
    days: await rows('devex_delivery_days', ['scope', 'day']),
    weeks: await rows('devex_delivery_weeks', ['scope', 'week']),
  };
}

describe.each(databases.eachSupportedId())('delivery index on %p', id => {
  async function indexed(facts: DevexFact[], writes: number) {
    const ctx = await createTestStore(await databases.init(id));
    // Facts received a minute before each catch-up: settled, read once.
    const index = new DeliveryIndex(ctx.db, ctx.calendar, {
      failureWindowHours: 24,
      now: () => Date.now() + 60_000,
    });
    const size = Math.ceil(facts.length / writes);
    for (let i = 0; i < facts.length; i += size) {
      const r = await ctx.store.write('delivery', facts.slice(i, i + size));
      expect(r.rejected).toEqual([]);
      await index.catchUp();
    }
    return { ...ctx, index };
  }

  it('derives the same rows whatever order the facts arrive in', async () => {
    const facts = history();
    expect(facts.length).toBeGreaterThan(2500);
    const inOrder = await indexed(facts, 1);
    const expected = await tables(inOrder.db);
    // Sanity: the history has what the derivations are about.
    expect(expected.deployments.some(d => d.failed_rollback)).toBe(true);
    expect(expected.deployments.some(d => d.failed_incident)).toBe(true);
    expect(expected.deployments.some(d => d.rework)).toBe(true);
    expect(expected.changes.some(c => c.lead_seconds !== null)).toBe(true);
    expect(expected.incidents.some(i => i.deployment)).toBe(true);

    // Newest first, as the webhook bench sends them (times going back),
    // read in 40 catch-ups: each chunk reaches back before what the
    // earlier ones read.
    const newestFirst = await indexed([...facts].reverse(), 40);
    expect(await tables(newestFirst.db)).toEqual(expected);

    // Shuffled (a backfill beside live webhooks), in 20 catch-ups.
    const next = random(7);
    const shuffled = facts
      .map(f => ({ f, k: next() }))
      .sort((a, b) => a.k - b.k)
      .map(({ f }) => f);
    const mixed = await indexed(shuffled, 20);
    expect(await tables(mixed.db)).toEqual(expected);
  });

  it('reads facts just received once, and moves its cursor past them on a later catch-up', async () => {
    const ctx = await createTestStore(await databases.init(id));
    let clock = Date.now();
    let asked = 0;
    const index = new DeliveryIndex(ctx.db, ctx.calendar, {
      failureWindowHours: 24,
      now: () => {
        // A chunk asks twice; more than this is reading the same ones again.
        if (++asked > 100) throw new Error('read the same facts again');
        return clock;
      },
    });
    const facts = history();
    const write = await ctx.store.write('delivery', facts, new Date(clock));
    expect(write.rejected).toEqual([]);
    const cursor = async () => {
      const row = await ctx
        .db('devex_cursors')
        .where({ source: 'delivery-index', key: 'facts/after' })
        .first('value');
      return Number(JSON.parse(row.value));
    };
    const ids = await ctx.db('devex_facts').min('id as min').max('id as max');
    const [first, top] = [Number(ids[0].min), Number(ids[0].max)];

    // Every chunk read once; none settled (all received in the last 30 s).
    await index.catchUp();
    expect(await cursor()).toBe(first - 1);
    const read = await tables(ctx.db);
    expect(read.deployments.length).toBeGreaterThan(500);

    // A minute later they are read again, settled, and nothing changes.
    clock += 60_000;
    asked = 0;
    await index.catchUp();
    expect(await cursor()).toBe(top);
    expect(await tables(ctx.db)).toEqual(read);
  });

  it('answers other queries between its chunks while it catches up', async () => {
    const { db, index, store } = await indexed([], 1);
    const facts = history();
    expect((await store.write('delivery', facts)).rejected).toEqual([]);
    const cursor = async () => {
      const row = await db('devex_cursors')
        .where({ source: 'delivery-index', key: 'facts/after' })
        .first('value');
      return row ? Number(JSON.parse(row.value)) : 0;
    };
    const top = Number((await db('devex_facts').max('id as max').first())!.max);
    // Another request: a query each event-loop turn, noting how far the
    // catch-up had got when it was answered.
    const seen: number[] = [];
    let done = false;
    const other = (async () => {
      while (!done) {
        await new Promise(resolve => setImmediate(resolve));
        seen.push(await cursor());
      }
    })();
    await index.catchUp();
    done = true;
    await other;
    expect(await cursor()).toBe(top);
    // Answered while it ran, after some chunks and before the last.
    expect(seen.some(value => value > 0 && value < top)).toBe(true);
  });
});
