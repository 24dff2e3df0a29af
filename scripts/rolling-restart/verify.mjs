// Verification after the run: every accepted request exists once, is
// Ready (in the tables and through the API), has one `requested` event and
// is held by exactly one engine instance.

import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { log, PG_URL, pg, RUN, sleep } from './common.mjs';
import { accepted, unconfirmed } from './load.mjs';
import { getJson } from './replica.mjs';

export async function verify(replicas) {
  const db = `${RUN}platform`;
  const platform = new pg.Client({ connectionString: `${PG_URL}/${db}` });
  await platform.connect();
  try {
    const rows = (
      await platform.query(
        `select id, name, phase, engine_instance, dispatch_action from platform_resources where name like 'rr-%'`,
      )
    ).rows;
    const byName = new Map();
    for (const row of rows) {
      byName.set(row.name, [...(byName.get(row.name) ?? []), row]);
    }
    const requested = new Map(
      (
        await platform.query(
          `select resource_id, count(*)::int as n from platform_resource_events where type = 'requested' group by resource_id`,
        )
      ).rows.map(r => [r.resource_id, r.n]),
    );
    // Which engine instance holds each resource on disk.
    const held = new Map();
    const instanceOf = {};
    for (const replica of replicas) {
      instanceOf[replica.name] = (
        await readFile(join(replica.stateDir, 'instance-id'), 'utf8').catch(
          () => '',
        )
      ).trim();
      const ids = await readdir(join(replica.stateDir, 'instances')).catch(
        () => [],
      );
      for (const id of ids)
        held.set(id, [...(held.get(id) ?? []), replica.name]);
    }

    let stored = 0;
    let ready = 0;
    const lost = [];
    const doubled = [];
    const notReady = [];
    for (const [name, { id }] of accepted) {
      const found = byName.get(name) ?? [];
      if (found.length === 0) {
        lost.push(name);
        continue;
      }
      stored += 1;
      const row = found[0];
      const holders = held.get(row.id) ?? [];
      if (
        found.length > 1 ||
        row.id !== id ||
        (requested.get(row.id) ?? 0) !== 1 ||
        holders.length > 1
      ) {
        doubled.push(
          `${name} (rows ${found.length}, requested events ${
            requested.get(row.id) ?? 0
          }, held by ${holders.join('+') || 'none'})`,
        );
      }
      const holder = holders[0];
      if (holder && row.engine_instance !== instanceOf[holder]) {
        doubled.push(
          `${name}: bound to ${row.engine_instance} but held by ${holder} (${instanceOf[holder]})`,
        );
      }
      if (row.phase === 'Ready') ready += 1;
      else
        notReady.push(
          `${name} ${row.phase}${
            row.dispatch_action ? ` (owes ${row.dispatch_action})` : ''
          }`,
        );
    }
    // Requests without an answer may exist (accepted just before a
    // connection dropped), but never twice.
    for (const name of unconfirmed) {
      if ((byName.get(name) ?? []).length > 1)
        doubled.push(`${name} (unconfirmed, ${byName.get(name).length} rows)`);
    }

    // Through the API as well, on the replica that is up.
    const apiReady = new Set();
    let cursor;
    do {
      const page = await getJson(
        replicas[0],
        `/api/platform/resources?text=rr-&limit=100${
          cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''
        }`,
      );
      if (page.status !== 200)
        throw new Error(`listing resources: ${page.status}`);
      for (const item of page.body.items) {
        if (item.status?.phase === 'Ready') apiReady.add(item.name);
      }
      cursor = page.body.nextCursor;
    } while (cursor);
    const apiMissing = [...accepted.keys()].filter(n => !apiReady.has(n));

    return {
      stored,
      ready,
      lost,
      doubled,
      notReady,
      apiMissing,
      held,
      instanceOf,
    };
  } finally {
    await platform.end();
  }
}

export async function waitAllReady(replicas, timeoutMs) {
  const platform = new pg.Client({
    connectionString: `${PG_URL}/${RUN}platform`,
  });
  await platform.connect();
  try {
    const t0 = Date.now();
    let pending;
    let progressAt = Date.now();
    let best = Infinity;
    // Slow is not stuck: wait while resources keep reaching Ready, give up
    // after two minutes without progress (or at timeoutMs).
    while (Date.now() - t0 < timeoutMs && Date.now() - progressAt < 120_000) {
      const { rows } = await platform.query(
        `select name, phase from platform_resources where name like 'rr-%'`,
      );
      const phase = new Map(rows.map(r => [r.name, r.phase]));
      pending = [...accepted.keys()].filter(n => phase.get(n) !== 'Ready');
      if (pending.length === 0) return;
      if (pending.length < best) {
        best = pending.length;
        progressAt = Date.now();
      }
      await sleep(1000);
    }
    log(
      `${pending.length} accepted resources not Ready after ${Math.round(
        (Date.now() - t0) / 1000,
      )} s`,
    );
  } finally {
    await platform.end();
  }
}
