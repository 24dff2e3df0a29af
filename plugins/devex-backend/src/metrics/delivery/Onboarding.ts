import { OnboardingFigures } from '@trellis/backstage-plugin-devex-common';
import { Knex } from 'knex';
import { daysBetween } from '../../rollups/days';
import { CHANGES } from './DeliveryIndex';
import { DeliveryCatalogSnapshot } from './DeliveryCatalog';

/** One new user, as the onboarding figures use it (never served as a row). */
export interface NewUser {
  ref: string;
  start: string;
  fromAnnotation: boolean;
  teams: string[];
  daysToFirst: number | null;
  daysToNth: number | null;
}

const IN_CHUNK = 500;
/** Users per UNION ALL (SQLite allows 500 terms and 999 parameters). */
const UNION_CHUNK = 200;
/** Users per VALUES list (one parameter each; SQLite allows 999). */
const VALUES_CHUNK = 900;

async function chunked<T>(
  items: string[],
  size: number,
  fn: (chunk: string[]) => Promise<T[]>,
): Promise<T[]> {
  const out: T[] = [];
  for (let i = 0; i < items.length; i += size) {
    out.push(...(await fn(items.slice(i, i + size))));
  }
  return out;
}

const isPostgres = (db: Knex) =>
  /^(pg|postgres)/.test(String(db.client.config.client));

const rowsOf = (result: any): any[] =>
  Array.isArray(result) ? result : result.rows;

/**
 * Each user's first merged change's day: one index seek per user
 * (actor, merged_at, merge_day), not a scan of their changes.
 */
async function firstMergeDays(
  db: Knex,
  actors: string[],
): Promise<{ actor: string; day: string | null }[]> {
  if (isPostgres(db)) {
    // One plan for every user (a UNION of hundreds is planned branch by branch).
    const { rows } = await db.raw(
      `SELECT a.actor, (SELECT c.merge_day FROM ${CHANGES} c WHERE c.actor = a.actor ORDER BY c.merged_at LIMIT 1) AS day FROM unnest(?::text[]) AS a(actor)`,
      [actors],
    );
    return rows.filter((r: any) => r.day !== null);
  }
  // The same form on SQLite: the users as a VALUES list, a correlated seek
  // each (a UNION ALL of one SELECT per user took longer to prepare than
  // to run: 12 ms per 400 users at 1 M changes).
  return chunked(actors, VALUES_CHUNK, async chunk => {
    const values = chunk.map(() => '(?)').join(', ');
    const rows = rowsOf(
      await db.raw(
        `WITH a(actor) AS (VALUES ${values}) SELECT a.actor AS actor, (SELECT c.merge_day FROM ${CHANGES} c WHERE c.actor = a.actor ORDER BY c.merged_at LIMIT 1) AS day FROM a`,
        chunk,
      ),
    );
    return rows.filter(r => r.day !== null && r.day !== undefined);
  });
}

/** The earliest instant of a day in any time zone (UTC+14). */
const earliestOf = (day: string) =>
  new Date(Date.parse(`${day}T00:00:00.000Z`) - 14 * 3_600_000).toISOString();

/**
 * The days of each user's first `nth` merged changes on or after their
 * start day: per user an index range from the start, at most `nth` rows.
 */
async function firstChangeDays(
  db: Knex,
  users: { ref: string; start: string }[],
  nth: number,
): Promise<Map<string, string[]>> {
  const byRef = new Map(users.map(u => [u.ref, u.start]));
  const rows = isPostgres(db)
    ? (
        await db.raw(
          `SELECT u.actor, f.merge_day FROM unnest(?::text[], ?::text[], ?::text[]) AS u(actor, since, start) CROSS JOIN LATERAL (SELECT c.merge_day FROM ${CHANGES} c WHERE c.actor = u.actor AND c.merged_at >= u.since AND c.merge_day >= u.start ORDER BY c.merged_at LIMIT ?) AS f`,
          [
            users.map(u => u.ref),
            users.map(u => earliestOf(u.start)),
            users.map(u => u.start),
            nth,
          ],
        )
      ).rows
    : await chunked(
        users.map(u => u.ref),
        UNION_CHUNK,
        async chunk => {
          const sql = chunk
            .map(
              (_, i) =>
                `SELECT actor, merge_day FROM (SELECT actor, merge_day, merged_at FROM ${CHANGES} WHERE actor = ? AND merged_at >= ? AND merge_day >= ? ORDER BY merged_at LIMIT ?) AS first${i}`,
            )
            .join(' UNION ALL ');
          const bindings = chunk.flatMap(ref => {
            const start = byRef.get(ref)!;
            return [ref, earliestOf(start), start, nth];
          });
          return rowsOf(await db.raw(sql, bindings));
        },
      );
  const daysOf = new Map<string, string[]>();
  for (const r of rows) {
    const ref = String(r.actor).toLocaleLowerCase('en-US');
    if (!daysOf.has(ref)) daysOf.set(ref, []);
    daysOf.get(ref)!.push(r.merge_day);
  }
  for (const days of daysOf.values()) days.sort();
  return daysOf;
}

/**
 * The users who started in [from, to]: start date from the catalog
 * annotation, else first seen (first active day, or first merged change,
 * whichever is earlier). Days to the first and the Nth merged change on or
 * after the start day, in the reporting calendar; null when not reached yet.
 * With `only`, just the users it accepts (a team's members) are looked up.
 */
export async function newUsers(
  db: Knex,
  catalog: DeliveryCatalogSnapshot,
  members: Map<string, string[]>,
  range: { from: string; to: string },
  nth: number,
  only?: (ref: string) => boolean,
): Promise<NewUser[]> {
  const starts = new Map<string, { start: string; annotation: boolean }>();
  const unannotated: string[] = [];
  for (const [ref, start] of catalog.users) {
    if (only && !only(ref)) continue;
    if (start) starts.set(ref, { start, annotation: true });
    else unannotated.push(ref);
  }
  if (unannotated.length) {
    const [seen, merged] = await Promise.all([
      chunked(unannotated, IN_CHUNK, c =>
        db('devex_first_seen').whereIn('actor', c).select('actor', 'day'),
      ),
      firstMergeDays(db, unannotated),
    ]);
    for (const r of [...seen, ...merged]) {
      const ref = String(r.actor).toLocaleLowerCase('en-US');
      const had = starts.get(ref);
      if (!had || r.day! < had.start)
        starts.set(ref, { start: r.day!, annotation: false });
    }
  }
  const cohort = [...starts].filter(
    ([, s]) => s.start >= range.from && s.start <= range.to,
  );
  if (cohort.length === 0) return [];
  const daysOf = await firstChangeDays(
    db,
    cohort.map(([ref, s]) => ({ ref, start: s.start })),
    nth,
  );
  return cohort.map(([ref, s]) => {
    const days = daysOf.get(ref) ?? [];
    return {
      ref,
      start: s.start,
      fromAnnotation: s.annotation,
      teams: members.get(ref) ?? [],
      daysToFirst: days.length >= 1 ? daysBetween(s.start, days[0]) : null,
      daysToNth:
        days.length >= nth ? daysBetween(s.start, days[nth - 1]) : null,
    };
  });
}

/** The lower median (nearest rank ⌈n/2⌉), as the other reports' percentiles. */
export function median(values: number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.ceil(sorted.length / 2) - 1];
}

/**
 * A group's onboarding figures; counts and medians only when the group has
 * at least `minGroupSize` new users (else only `newUsers`).
 */
export function onboardingFigures(
  users: NewUser[],
  minGroupSize: number,
): OnboardingFigures & { folded?: boolean } {
  const first = users.flatMap(u =>
    u.daysToFirst === null ? [] : [u.daysToFirst],
  );
  const nth = users.flatMap(u => (u.daysToNth === null ? [] : [u.daysToNth]));
  if (users.length < minGroupSize) {
    return {
      newUsers: users.length,
      withFirstChange: 0,
      medianDaysToFirstChange: null,
      withNthChange: 0,
      medianDaysToNthChange: null,
      folded: true,
    };
  }
  return {
    newUsers: users.length,
    withFirstChange: first.length,
    medianDaysToFirstChange: median(first),
    withNthChange: nth.length,
    medianDaysToNthChange: median(nth),
  };
}
