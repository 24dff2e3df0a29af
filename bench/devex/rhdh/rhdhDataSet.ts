/*
 * The RHDH side of the questions phase: its events table filled with the
 * stream bulkLoad.ts gives Trellis, as its insertEvents writes rows.
 */
import path from 'node:path';
import { factsOfDay } from '../benchFacts';
import { FACTS } from './common';
import { RHDH_DIR, rhdhDb } from './rhdhBackend';

/** Fills RHDH's events table with the stream bulkLoad gave Trellis. */
export async function loadRhdh(prefix: string) {
  const db = rhdhDb(prefix);
  try {
    const [{ n }] = await db('events').count({ n: '*' });
    if (Number(n) > 0 && !process.env.BENCH_FRESH) {
      console.log(`[rhdh] reusing ${n} events (${prefix})`);
      return;
    }
    await db('events').delete();
    const { createPartition } = require(path.join(
      RHDH_DIR,
      'node_modules/@red-hat-developer-hub/backstage-plugin-adoption-insights-backend/dist/database/partition.cjs.js',
    ));
    const days = 365;
    const today = new Date().toISOString().slice(0, 10);
    const start = Date.parse(`${today}T00:00:00Z`) - days * 86_400_000;
    for (let m = 0; m <= 13; m++) {
      const d = new Date(start);
      d.setUTCMonth(d.getUTCMonth() + m);
      await createPartition(db, d.getUTCFullYear(), d.getUTCMonth() + 1);
    }
    // Its GIN indexes are built once at the end rather than row by row.
    await db.raw('DROP INDEX IF EXISTS idx_events_attributes');
    await db.raw('DROP INDEX IF EXISTS idx_events_context');
    const connection = (await db.client.acquireConnection()) as {
      query(sql: string, values: unknown[]): Promise<unknown>;
    };
    const org = {
      users: 2000,
      days,
      team: (u: number) =>
        u < 1980
          ? `group:default/team-${u % 40}`
          : `group:default/small-${u % 10}`,
    };
    const perDay = Math.ceil(FACTS / days);
    const next = { id: 1, task: 0 };
    const t0 = Date.now();
    let rows = 0;
    for (let d = 0, loaded = 0; d < days && loaded < FACTS; d++) {
      const day = new Date(start + d * 86_400_000).toISOString().slice(0, 10);
      const facts = factsOfDay(
        org,
        day,
        Math.min(perDay, FACTS - loaded),
        next,
      );
      loaded += facts.length;
      const events = facts.flatMap(f => {
        if (f.kind === 'activity') {
          const plugin = String(f.attributes.plugin);
          return [[`navigate`, `/${plugin}`, plugin, f.actor!, f.time, null]];
        }
        // RHDH counts a template's use as a click on "Create".
        if (f.kind === 'golden-path.run')
          return [
            ['click', 'Create', 'scaffolder', f.actor!, f.time, f.templateRef!],
          ];
        return [];
      });
      for (let i = 0; i < events.length; i += 5000) {
        const chunk = events.slice(i, i + 5000);
        await connection.query(
          `INSERT INTO events (action, subject, plugin_id, user_ref, attributes, context, created_at)
           SELECT a, s, p, u, '{}'::jsonb,
             jsonb_build_object('userId', u, 'userName', u, 'pluginId', p, 'timestamp', t)
               || CASE WHEN e IS NULL THEN '{}'::jsonb ELSE jsonb_build_object('entityRef', e) END,
             t::timestamptz
           FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[]) AS x(a, s, p, u, t, e)`,
          [0, 1, 2, 3, 4, 5].map(c => chunk.map(row => row[c])),
        );
      }
      rows += events.length;
      if (d % 60 === 0)
        console.log(
          `[rhdh]  ${rows} events loaded, day ${d + 1} (${(
            (Date.now() - t0) /
            1000
          ).toFixed(0)} s)`,
        );
    }
    await db.client.releaseConnection(connection);
    await db.raw(
      'CREATE INDEX idx_events_attributes ON events USING gin (attributes)',
    );
    await db.raw(
      'CREATE INDEX idx_events_context ON events USING gin (context)',
    );
    await db.raw('ANALYZE events');
    console.log(
      `[rhdh] ${rows} events loaded in ${((Date.now() - t0) / 1000).toFixed(
        0,
      )} s`,
    );
  } finally {
    await db.destroy();
  }
}
