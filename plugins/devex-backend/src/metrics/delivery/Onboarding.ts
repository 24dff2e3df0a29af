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

async function chunked<T>(
  items: string[],
  fn: (chunk: string[]) => Promise<T[]>,
): Promise<T[]> {
  const out: T[] = [];
  for (let i = 0; i < items.length; i += IN_CHUNK) {
    out.push(...(await fn(items.slice(i, i + IN_CHUNK))));
  }
  return out;
}

/**
 * The users who started in [from, to]: start date from the catalog
 * annotation, else first seen (first active day, or first merged change,
 * whichever is earlier). Days to the first and the Nth merged change on or
 * after the start day, in the reporting calendar; null when not reached yet.
 */
export async function newUsers(
  db: Knex,
  catalog: DeliveryCatalogSnapshot,
  members: Map<string, string[]>,
  range: { from: string; to: string },
  nth: number,
): Promise<NewUser[]> {
  const starts = new Map<string, { start: string; annotation: boolean }>();
  const unannotated: string[] = [];
  for (const [ref, start] of catalog.users) {
    if (start) starts.set(ref, { start, annotation: true });
    else unannotated.push(ref);
  }
  if (unannotated.length) {
    const [seen, merged] = await Promise.all([
      chunked(unannotated, c =>
        db('devex_first_seen').whereIn('actor', c).select('actor', 'day'),
      ),
      chunked(unannotated, c =>
        db(CHANGES)
          .whereIn('actor', c)
          .groupBy('actor')
          .select('actor', db.raw('MIN(merge_day) as day')),
      ),
    ]);
    for (const r of [...seen, ...merged]) {
      const ref = String(r.actor).toLocaleLowerCase('en-US');
      const had = starts.get(ref);
      if (!had || r.day < had.start)
        starts.set(ref, { start: r.day, annotation: false });
    }
  }
  const cohort = [...starts].filter(
    ([, s]) => s.start >= range.from && s.start <= range.to,
  );
  if (cohort.length === 0) return [];
  const refs = cohort.map(([ref]) => ref);
  const changes = await chunked(refs, c =>
    db(CHANGES)
      .whereIn('actor', c)
      .andWhere('merge_day', '>=', range.from)
      .orderBy([{ column: 'actor' }, { column: 'merged_at' }])
      .select('actor', 'merge_day'),
  );
  const daysOf = new Map<string, string[]>();
  for (const r of changes) {
    const ref = String(r.actor).toLocaleLowerCase('en-US');
    if (!daysOf.has(ref)) daysOf.set(ref, []);
    daysOf.get(ref)!.push(r.merge_day);
  }
  return cohort.map(([ref, s]) => {
    const days = (daysOf.get(ref) ?? []).filter(d => d >= s.start);
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
