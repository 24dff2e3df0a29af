/*
 * Checks the delivery loader against the real index: the loaded rows are
 * turned back into the facts they stand for (each deployment's final
 * status, each merged change, each incident's opening and resolution), the
 * facts are stored in time order in a fresh SQLite store, DeliveryIndex
 * reads them through its cursor (chunks of 2,000 ids, each deriving lead
 * times and failures again for the repos and components it touched, as in
 * production), and every row of the deployments, changes and incidents
 * tables must come out equal to the loaded one (fact ids aside: the loader
 * numbers its rows itself). Adoption is not compared: the loader writes it
 * directly, without the golden-path and platform facts behind it.
 *
 *   BENCH_VERIFY=1 BENCH_DEPLOYMENTS=20000 BENCH_CHANGES=20000 ... bench/devex/delivery.ts
 */
import { DatabaseService } from '@backstage/backend-plugin-api';
import { DevexFactKind } from '@trellis/backstage-plugin-devex-common';
import knexFactory, { Knex } from 'knex';
import { connectDevexDatabase } from '../../plugins/devex-backend/src/database/migrate';
import { DeliveryIndex } from '../../plugins/devex-backend/src/metrics/delivery/DeliveryIndex';
import { ReportingCalendar } from '../../plugins/devex-backend/src/rollups/days';
import { insertRows } from './bulkRows';

const TABLES = [
  'devex_delivery_deployments',
  'devex_delivery_changes',
  'devex_delivery_incidents',
];

type Row = Record<string, any>;

/** A row as both databases return it, without the fact id. */
function normal(row: Row): string {
  const out: Row = {};
  for (const [k, v] of Object.entries(row)) {
    if (k === 'fact_id') continue;
    if (typeof v === 'boolean') out[k] = v ? 1 : 0;
    else if (typeof v === 'number' && !Number.isInteger(v))
      out[k] = Math.round(v * 1000) / 1000;
    else out[k] = v;
  }
  return JSON.stringify(out);
}

const split = (repo: string) => {
  const at = repo.indexOf(':');
  return { provider: repo.slice(0, at), repo: repo.slice(at + 1) };
};

/** The facts behind the loaded rows, in time order. */
function factsOf(
  deployments: Row[],
  changes: Row[],
  incidents: Row[],
): { time: string; kind: string; fact: Row }[] {
  const facts: { time: string; kind: string; fact: Row }[] = [];
  for (const d of deployments) {
    facts.push({
      time: d.time,
      kind: DevexFactKind.deliveryDeployment,
      fact: {
        subject: d.subject,
        entity_ref: d.component,
        actor: d.actor,
        attributes: {
          ...split(d.repo),
          environment: d.environment,
          production: Boolean(d.production),
          status: d.status,
          sha: d.sha,
          url: d.url,
          createdAt: d.created_at,
        },
      },
    });
  }
  for (const c of changes) {
    facts.push({
      time: c.merged_at,
      kind: DevexFactKind.deliveryChangeMerged,
      fact: {
        subject: c.subject,
        entity_ref: c.component,
        actor: c.actor,
        attributes: {
          ...split(c.repo),
          number: c.number,
          url: c.url,
          firstCommitAt: c.first_commit_at,
          mergeSha: c.merge_sha,
        },
      },
    });
  }
  for (const i of incidents) {
    const attributes = { title: i.title, url: i.url, severity: i.severity };
    facts.push({
      time: i.opened_at,
      kind: DevexFactKind.deliveryIncidentOpened,
      fact: { subject: i.subject, entity_ref: i.component, attributes },
    });
    if (i.resolved_at)
      facts.push({
        time: i.resolved_at,
        kind: DevexFactKind.deliveryIncidentResolved,
        fact: {
          subject: i.subject,
          entity_ref: i.component,
          value: Number(i.recovery_seconds),
          attributes: {
            ...attributes,
            openedAt: i.opened_at,
            resolvedAt: i.resolved_at,
          },
        },
      });
  }
  return facts.sort((a, b) => (a.time < b.time ? -1 : Number(a.time > b.time)));
}

/** Rows that differ between the loaded tables and the index's (0 = equal). */
export async function verifyAgainstIndex(
  loaded: Knex,
  log: (line: string) => void,
): Promise<number> {
  const read = async (db: Knex, table: string) =>
    new Map<string, string>(
      (await db(table).select()).map((r: Row) => [r.subject, normal(r)]),
    );
  const [deployments, changes, incidents] = await Promise.all(
    TABLES.map(t => loaded(t).select()),
  );
  const facts = factsOf(deployments, changes, incidents);
  const db = knexFactory({
    client: 'better-sqlite3',
    connection: { filename: ':memory:' },
    useNullAsDefault: true,
    pool: { min: 1, max: 1 },
  });
  try {
    await connectDevexDatabase({
      getClient: async () => db,
    } as unknown as DatabaseService);
    const calendar = new ReportingCalendar('UTC');
    const receivedAt = '2000-01-01T00:00:00.000Z'; // settled long ago
    await db.transaction(trx =>
      insertRows(
        trx,
        false,
        'devex_facts',
        facts.map(({ time, kind, fact }, n) => [
          n + 1,
          `bench:${kind}:${fact.subject}`,
          'bench',
          kind,
          time,
          calendar.dayOf(time),
          fact.actor ?? null,
          '[]',
          fact.entity_ref ?? null,
          null,
          null,
          fact.subject,
          fact.value ?? null,
          JSON.stringify(fact.attributes),
          receivedAt,
        ]),
      ),
    );
    const t0 = Date.now();
    await new DeliveryIndex(db, calendar, { failureWindowHours: 24 }).catchUp();
    log(
      ` verify: the real index read ${facts.length} facts in ${(
        (Date.now() - t0) /
        1000
      ).toFixed(0)} s`,
    );
    let differ = 0;
    for (const table of TABLES) {
      const [mine, its] = await Promise.all([
        read(loaded, table),
        read(db, table),
      ]);
      let bad = 0;
      for (const [subject, row] of mine) {
        if (its.get(subject) !== row) {
          if (bad < 3)
            log(
              ` verify: ${table} ${subject}\n   loaded ${row}\n   index  ${
                its.get(subject) ?? '(missing)'
              }`,
            );
          bad++;
        }
      }
      for (const subject of its.keys()) if (!mine.has(subject)) bad++;
      log(
        ` verify: ${table}: ${mine.size} rows, ${bad} differ from the index's`,
      );
      differ += bad;
    }
    // The per-day rollup: rebuilt from the loaded tables (the loader) vs
    // kept chunk by chunk by the index.
    const days = async (d: Knex) =>
      new Map<string, string>(
        (await d('devex_delivery_days').select()).map((r: Row) => [
          `${r.scope}|${r.day}`,
          normal(r),
        ]),
      );
    const [mine, its] = await Promise.all([days(loaded), days(db)]);
    let bad = 0;
    for (const [key, row] of mine) {
      if (its.get(key) !== row) {
        if (bad < 3)
          log(
            ` verify: devex_delivery_days ${key}\n   rebuilt ${row}\n   index   ${
              its.get(key) ?? '(missing)'
            }`,
          );
        bad++;
      }
    }
    for (const key of its.keys()) if (!mine.has(key)) bad++;
    log(
      ` verify: devex_delivery_days: ${mine.size} rows, ${bad} differ from the index's`,
    );
    differ += bad;
    return differ;
  } finally {
    await db.destroy();
  }
}
