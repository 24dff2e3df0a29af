/*
 * The delivery benchmark's data set, written straight into the delivery
 * index (devex_delivery_*), much faster than a million facts through the
 * index's catch-up (about 600 facts/s on the bench machine).
 *
 * BENCH_DEPLOYMENTS deployment subjects and BENCH_CHANGES merged changes
 * over the last 365 days, 500 components owned by 50 teams (component i by
 * team-(i % 50)), activity per component log-normally spread (a few busy
 * services, a long tail), 2 % of both on ten repos that no component claims;
 * 80 % of deployments to production, 5 % of those failed; incidents for 2 %
 * of the deployments, most opened within hours of a production deployment;
 * a rollback now and then (a deployment that ships the sha of the one
 * before the previous); every fifth component made by a golden path.
 *
 * The derived columns are computed here, per repo and component, by the
 * same rules as DeliveryIndex (its deriveLeadTimes and deriveFailures):
 * - a change's deployment is the first successful production deployment of
 *   its repo (ordered by created_at, time, subject) created at or after the
 *   merge; lead time from the first commit to that deployment's final
 *   status, bucketed with the store's bucketOf, null when negative;
 * - a production deployment fails when an incident on its component opens
 *   at or after it, before the next production deployment and within 24 h
 *   (the default failureWindowHours), or when the next one ships the
 *   previous one's sha; the incident is counted against it;
 * - rework: an incident on its component open at its time.
 * - a change still undeployed 180 days (UNDEPLOYED_LOOKBACK_DAYS) before
 *   the deployment that would contain it is left undeployed (at 1 M every
 *   repo deploys every few days, so this only shows at small sizes).
 * deliveryVerify.ts (BENCH_VERIFY=1) checks this against the real index.
 * Days and weeks are the UTC calendar's
 * (the bench backend's default), via the store's ReportingCalendar/weekOf.
 */
import { Knex } from 'knex';
import {
  ReportingCalendar,
  weekOf,
} from '../../plugins/devex-backend/src/rollups/days';
import { bucketOf } from '../../plugins/devex-backend/src/rollups/histogram';
import { UNDEPLOYED_LOOKBACK_DAYS } from '../../plugins/devex-backend/src/metrics/delivery/DeliveryIndex';
import {
  COMPONENTS,
  componentRef,
  isGoldenPath,
  TEAMS,
  teamRef,
  USERS,
  userRef,
} from './deliveryCatalog';
import { insert, Row } from './deliveryRows';

const UNMAPPED_REPOS = 10;
const DAYS = 365;
const WINDOW_MS = 24 * 3_600_000;
const HOUR = 3_600_000;
const LOOKBACK_MS = UNDEPLOYED_LOOKBACK_DAYS * 86_400_000;

/** A small seeded generator, so every load of a size is the same data set. */
function random(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const normal = () =>
    Math.sqrt(-2 * Math.log(1 - next())) * Math.cos(2 * Math.PI * next());
  return {
    next,
    /** log-normal with the given median. */
    logNormal: (median: number, sigma: number) =>
      median * Math.exp(sigma * normal()),
    int: (n: number) => Math.floor(next() * n),
  };
}

export interface DeliveryDataSize {
  deployments: number;
  changes: number;
}

export interface LoadedCounts {
  deployments: number;
  production: number;
  failed: number;
  rework: number;
  changes: number;
  leadTimes: number;
  incidents: number;
}

/** Splits `total` over scopes by weight, exactly (the remainder to the first). */
function split(total: number, weights: number[]): number[] {
  const sum = weights.reduce((a, b) => a + b, 0);
  const counts = weights.map(w => Math.floor((total * w) / sum));
  let left = total - counts.reduce((a, b) => a + b, 0);
  for (let i = 0; left > 0; i = (i + 1) % counts.length, left--) counts[i]++;
  return counts;
}

const iso = (t: number) => new Date(t).toISOString();
const byTimeSubject = (a: Row, b: Row) =>
  (a.time as string) < (b.time as string)
    ? -1
    : a.time > b.time
    ? 1
    : a.subject! < b.subject!
    ? -1
    : Number(a.subject! > b.subject!);

/**
 * Writes the data set (the index tables must be empty) and returns what it
 * wrote. `end` is the last moment of the year of history.
 */
export async function loadDeliveryData(
  db: Knex,
  size: DeliveryDataSize,
  end: number,
  log: (line: string) => void,
): Promise<LoadedCounts> {
  const postgres = String(db.client.config.client).includes('pg');
  const calendar = new ReportingCalendar('UTC');
  const start = end - DAYS * 86_400_000;
  const rnd = random(12);
  // Scopes: the components, then the unmapped repos (2 % of the activity).
  const scopes = COMPONENTS + UNMAPPED_REPOS;
  const weights = Array.from({ length: scopes }, (_, i) =>
    i < COMPONENTS
      ? (0.98 / COMPONENTS) * rnd.logNormal(1, 0.9)
      : 0.02 / UNMAPPED_REPOS,
  );
  const deploymentsPer = split(size.deployments, weights);
  const changesPer = split(size.changes, weights);
  const counts: LoadedCounts = {
    deployments: 0,
    production: 0,
    failed: 0,
    rework: 0,
    changes: 0,
    leadTimes: 0,
    incidents: 0,
  };
  let factId = 0;
  let deploymentId = 0;
  let incidentId = 0;
  const started = Date.now();

  const BATCH = 20;
  for (let first = 0; first < scopes; first += BATCH) {
    const rows: Record<string, Row[]> = {
      devex_delivery_deployments: [],
      devex_delivery_changes: [],
      devex_delivery_incidents: [],
    };
    for (let s = first; s < Math.min(scopes, first + BATCH); s++) {
      const mapped = s < COMPONENTS;
      const slug = mapped
        ? `bench-org/service-${s}`
        : `bench-org/scratch-${s - COMPONENTS}`;
      const repo = `github:${slug}`;
      const component = mapped ? componentRef(s) : null;
      const scope = component ?? repo;
      const team = s % TEAMS;
      const member = () => userRef(team + TEAMS * rnd.int(USERS / TEAMS));

      // Deployments, in time order.
      const times = Array.from(
        { length: deploymentsPer[s] },
        () => start + rnd.next() * (end - start),
      ).sort((a, b) => a - b);
      const deployments: Row[] = [];
      const shipped: Row[] = []; // production successes so far
      for (const t of times) {
        const id = ++deploymentId;
        const production = rnd.next() < 0.8;
        const status =
          !production || rnd.next() >= 0.05 ? 'success' : 'failure';
        let sha = `${id.toString(16).padStart(10, '0')}${s
          .toString(16)
          .padStart(4, '0')}`;
        if (
          production &&
          status === 'success' &&
          shipped.length >= 2 &&
          rnd.next() < 0.005
        ) {
          sha = shipped[shipped.length - 2].sha as string; // a rollback
        }
        const time = iso(Math.floor(t));
        const day = calendar.dayOf(time);
        const row: Row = {
          subject: `deployment:${repo}#${id}`,
          fact_id: ++factId,
          repo,
          component,
          scope,
          environment: production ? 'production' : 'staging',
          production,
          status,
          sha,
          url: `https://github.com/${slug}/deployments/${id}`,
          actor: member(),
          time,
          created_at: iso(Math.floor(t - 60_000 - rnd.next() * 30 * 60_000)),
          day,
          week: weekOf(day),
          failed: false,
          failed_incident: null,
          failed_rollback: null,
          rework: false,
          rework_incident: null,
        };
        deployments.push(row);
        if (production && status === 'success') shipped.push(row);
      }
      shipped.sort(byTimeSubject);

      // Incidents on components: 2 % of the deployments, most after one.
      const incidents: Row[] = [];
      if (mapped) {
        const n = Math.round(deploymentsPer[s] * 0.02);
        for (let k = 0; k < n && shipped.length; k++) {
          const after = rnd.next() < 0.7;
          const openedMs = after
            ? Date.parse(shipped[rnd.int(shipped.length)].time as string) +
              rnd.next() * 12 * HOUR
            : start + rnd.next() * (end - start);
          const opened = Math.floor(Math.min(openedMs, end - 60_000));
          // Resolved after hours; the odd one (1 in 20) takes days. Still
          // open at the end only when that is after the end.
          const resolvedMs = Math.floor(
            opened +
              (rnd.next() < 0.95
                ? rnd.logNormal(3 * HOUR, 1.2)
                : rnd.logNormal(3 * 24 * HOUR, 0.8)),
          );
          const resolvedAt = resolvedMs < end ? iso(resolvedMs) : null;
          const openedAt = iso(opened);
          const recovery = resolvedAt
            ? Math.max(0, (Date.parse(resolvedAt) - opened) / 1000)
            : null;
          const resolvedDay = resolvedAt ? calendar.dayOf(resolvedAt) : null;
          const id = ++incidentId;
          incidents.push({
            subject: `incident:pagerduty:${id}`,
            fact_id: ++factId,
            component,
            title: `Incident ${id} on service-${s}`,
            url: `https://bench.pagerduty.example/incidents/${id}`,
            severity: ['sev1', 'sev2', 'sev3'][rnd.int(3)],
            opened_at: openedAt,
            open_day: calendar.dayOf(openedAt),
            last_opened_at: openedAt,
            resolved_at: resolvedAt,
            resolved_day: resolvedDay,
            resolved_week: resolvedDay ? weekOf(resolvedDay) : null,
            recovery_seconds: recovery,
            recovery_bucket: recovery === null ? null : bucketOf(recovery),
            deployment: null,
          });
        }
        incidents.sort((a, b) =>
          (a.opened_at as string) < (b.opened_at as string)
            ? -1
            : Number(a.opened_at > b.opened_at),
        );
      }

      // Failure, rollback and rework: DeliveryIndex.deriveFailures' rules.
      const claimed = new Map<string, string>();
      for (let k = 0; k < shipped.length; k++) {
        const d = shipped[k];
        const prev = shipped[k - 1];
        const next = shipped[k + 1];
        const dMs = Date.parse(d.time as string);
        const endMs = Math.min(
          next ? Date.parse(next.time as string) : Infinity,
          dMs + WINDOW_MS,
        );
        let cause: Row | undefined;
        let open: Row | undefined;
        for (const inc of incidents) {
          const o = inc.opened_at as string;
          if (o >= (d.time as string) && Date.parse(o) < endMs) {
            cause ??= inc;
            claimed.set(inc.subject as string, d.subject as string);
          }
          if (
            !open &&
            o <= (d.time as string) &&
            (inc.resolved_at === null ||
              (inc.resolved_at as string) > (d.time as string))
          )
            open = inc;
        }
        const rolledBack =
          next &&
          prev &&
          next.sha &&
          prev.sha &&
          d.sha !== prev.sha &&
          next.sha === prev.sha
            ? (next.subject as string)
            : null;
        d.failed = Boolean(cause || rolledBack);
        d.failed_incident = cause?.subject ?? null;
        d.failed_rollback = rolledBack;
        d.rework = Boolean(open);
        d.rework_incident = open?.subject ?? null;
        if (d.failed) counts.failed++;
        if (d.rework) counts.rework++;
      }
      for (const inc of incidents)
        inc.deployment = claimed.get(inc.subject as string) ?? null;

      // Changes, matched as DeliveryIndex.deriveLeadTimes does.
      const ordered = [...shipped].sort((a, b) => {
        const ca = a.created_at as string;
        const cb = b.created_at as string;
        if (ca !== cb) return ca < cb ? -1 : 1;
        return byTimeSubject(a, b);
      });
      const merges = Array.from(
        { length: changesPer[s] },
        () => start + rnd.next() * (end - start),
      ).sort((a, b) => a - b);
      let i = 0;
      for (const [n, m] of merges.entries()) {
        const mergedAt = iso(Math.floor(m));
        const firstCommitAt = iso(Math.floor(m - rnd.logNormal(20 * HOUR, 1)));
        while (
          i < ordered.length &&
          (ordered[i].created_at as string) < mergedAt
        )
          i++;
        // The index no longer matches a change still undeployed 180 days
        // before a new deployment (UNDEPLOYED_LOOKBACK_DAYS).
        const d =
          ordered[i] &&
          Date.parse(ordered[i].created_at as string) - LOOKBACK_MS <= m
            ? ordered[i]
            : undefined;
        const lead = d
          ? (Date.parse(d.time as string) - Date.parse(firstCommitAt)) / 1000
          : null;
        const ok = lead !== null && lead >= 0;
        if (ok) counts.leadTimes++;
        rows.devex_delivery_changes.push({
          subject: `change:${repo}#${n + 1}`,
          fact_id: ++factId,
          repo,
          component,
          scope,
          number: n + 1,
          url: `https://github.com/${slug}/pull/${n + 1}`,
          actor: member(),
          merged_at: mergedAt,
          merge_day: calendar.dayOf(mergedAt),
          first_commit_at: firstCommitAt,
          merge_sha: `m${(factId * 7919).toString(16).padStart(12, '0')}`,
          deployment: d?.subject ?? null,
          deployed_at: d?.time ?? null,
          deploy_created_at: d?.created_at ?? null,
          deploy_day: d?.day ?? null,
          deploy_week: d?.week ?? null,
          lead_seconds: ok ? lead : null,
          lead_bucket: ok ? bucketOf(lead!) : null,
        });
      }
      counts.deployments += deployments.length;
      counts.production += shipped.length;
      counts.changes += merges.length;
      counts.incidents += incidents.length;
      rows.devex_delivery_deployments.push(...deployments);
      rows.devex_delivery_incidents.push(...incidents);
    }
    await db.transaction(async trx => {
      for (const [table, list] of Object.entries(rows))
        await insert(trx, postgres, table, list);
    });
    if (first % 100 === 0)
      log(
        ` ${Math.min(scopes, first + BATCH)}/${scopes} scopes, ${
          counts.deployments
        } deployments, ${counts.changes} changes, ${(
          (Date.now() - started) /
          1000
        ).toFixed(0)} s`,
      );
  }

  // Adoption: golden-path components, and when teams first used the platform.
  const adoption: Row[] = [];
  for (let c = 0; c < COMPONENTS; c++) {
    if (!isGoldenPath(c)) continue;
    adoption.push({
      kind: 'component',
      ref: componentRef(c),
      first_at: iso(Math.floor(start + rnd.next() * (end - start))),
      first_by: 'golden-path',
    });
  }
  for (let t = 0; t < TEAMS; t++) {
    if (t % 5 === 4) continue;
    adoption.push({
      kind: 'team',
      ref: teamRef(t),
      first_at: iso(Math.floor(start + rnd.next() * (end - start))),
      first_by: t % 2 ? 'golden-path' : 'platform-resource',
    });
  }
  await db.transaction(trx =>
    insert(trx, postgres, 'devex_delivery_adoption', adoption),
  );
  return counts;
}

export {
  catalogYaml,
  COMPONENTS,
  componentRef,
  isGoldenPath,
  TEAMS,
  teamRef,
  USERS,
  userRef,
} from './deliveryCatalog';
