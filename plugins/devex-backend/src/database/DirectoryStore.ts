import { Knex } from 'knex';

/** Users and groups of the catalog, as one directory sync saw them. */
export interface DirectorySnapshot {
  users: { ref: string; title?: string }[];
  groups: { ref: string; title?: string }[];
  /** [user ref, group ref]: direct membership (the user's `memberOf`). */
  memberships: [string, string][];
}

export interface DirectorySyncResult {
  users: number;
  groups: number;
  joined: number;
  left: number;
}

/**
 * Before the first sync that saw any users, memberships are assumed to have
 * held all along, so that history delivered later (backfills, demo data)
 * still gets its teams.
 */
const BEGINNING = '1970-01-01T00:00:00.000Z';
const POPULATED = 'directory.populated';

interface MembershipRow {
  user_ref: string;
  group_ref: string;
  valid_from: string;
  valid_to: string | null;
}

/**
 * The catalog directory: eligible users, teams, and team membership over time
 * as `[valid_from, valid_to)` intervals built from snapshot diffs.
 */
export class DirectoryStore {
  constructor(private readonly db: Knex) {}

  /** Applies a snapshot: closes memberships that ended, opens new ones. */
  async sync(
    snapshot: DirectorySnapshot,
    now = new Date(),
  ): Promise<DirectorySyncResult> {
    const at = now.toISOString();
    return this.db.transaction(async trx => {
      const populated = await trx('devex_meta')
        .where({ key: POPULATED })
        .first();
      const since = populated || snapshot.users.length === 0 ? at : BEGINNING;
      await syncEntities(
        trx,
        'devex_directory_users',
        snapshot.users,
        at,
        true,
      );
      await syncEntities(
        trx,
        'devex_directory_groups',
        snapshot.groups,
        at,
        false,
      );

      const open: MembershipRow[] = await trx('devex_memberships').whereNull(
        'valid_to',
      );
      const key = (user: string, group: string) => `${user}\u0000${group}`;
      const wanted = new Set(snapshot.memberships.map(([u, g]) => key(u, g)));
      const current = new Set(open.map(m => key(m.user_ref, m.group_ref)));
      const ended = open.filter(m => !wanted.has(key(m.user_ref, m.group_ref)));
      for (const m of ended) {
        await trx('devex_memberships')
          .where({ user_ref: m.user_ref, group_ref: m.group_ref })
          .whereNull('valid_to')
          .update({ valid_to: at });
      }
      const started = [
        ...new Map(snapshot.memberships.map(m => [key(...m), m])).values(),
      ]
        .filter(([u, g]) => !current.has(key(u, g)))
        .map(([u, g]) => ({
          user_ref: u,
          group_ref: g,
          valid_from: since,
          valid_to: null,
        }));
      for (let i = 0; i < started.length; i += 200) {
        await trx('devex_memberships').insert(started.slice(i, i + 200));
      }
      if (!populated && snapshot.users.length > 0) {
        await trx('devex_meta').insert({ key: POPULATED, value: at });
      }
      return {
        users: snapshot.users.length,
        groups: snapshot.groups.length,
        joined: started.length,
        left: ended.length,
      };
    });
  }

  /**
   * The teams of each (actor, time): the groups the actor was a direct member
   * of at that instant. One query for the whole batch.
   */
  async teamsAt(
    db: Knex | Knex.Transaction,
    lookups: { actor: string; time: string }[],
  ): Promise<string[][]> {
    const actors = [...new Set(lookups.map(l => l.actor))];
    const byActor = new Map<string, MembershipRow[]>();
    for (let i = 0; i < actors.length; i += 500) {
      const rows: MembershipRow[] = await db('devex_memberships')
        .whereIn('user_ref', actors.slice(i, i + 500))
        .select('user_ref', 'group_ref', 'valid_from', 'valid_to');
      for (const row of rows) {
        const list = byActor.get(row.user_ref) ?? [];
        list.push(row);
        byActor.set(row.user_ref, list);
      }
    }
    return lookups.map(({ actor, time }) => {
      const teams = (byActor.get(actor) ?? [])
        .filter(
          m =>
            m.valid_from <= time && (m.valid_to === null || time < m.valid_to),
        )
        .map(m => m.group_ref);
      return [...new Set(teams)].sort();
    });
  }

  /** Users in the catalog now. */
  async eligibleUsers(): Promise<number> {
    const row = await this.db('devex_directory_users')
      .whereNull('removed_at')
      .count({ n: '*' })
      .first();
    return Number(row?.n ?? 0);
  }

  /** Current member count and title of every team in the catalog now. */
  async teams(): Promise<Map<string, { members: number; title?: string }>> {
    const groups: { ref: string; title: string | null }[] = await this.db(
      'devex_directory_groups',
    )
      .whereNull('removed_at')
      .select('ref', 'title');
    const counts: { group_ref: string; n: string | number }[] = await this.db(
      'devex_memberships as m',
    )
      .join('devex_directory_users as u', 'u.ref', 'm.user_ref')
      .whereNull('m.valid_to')
      .whereNull('u.removed_at')
      .groupBy('m.group_ref')
      .select('m.group_ref', this.db.raw('count(distinct m.user_ref) as n'));
    const result = new Map<string, { members: number; title?: string }>();
    for (const g of groups)
      result.set(g.ref, { members: 0, title: g.title ?? undefined });
    for (const c of counts) {
      const entry = result.get(c.group_ref);
      if (entry) entry.members = Number(c.n);
    }
    return result;
  }

  /**
   * Users in the catalog now, with their current teams (demo data, and the
   * onboarding cohorts of every delivery report).
   */
  async currentMembers(): Promise<{ ref: string; teams: string[] }[]> {
    const users: { ref: string }[] = await this.db('devex_directory_users')
      .whereNull('removed_at')
      .orderBy('ref')
      .select('ref');
    const rows: Pick<MembershipRow, 'user_ref' | 'group_ref'>[] = await this.db(
      'devex_memberships',
    )
      .whereNull('valid_to')
      .select('user_ref', 'group_ref');
    // Grouped in one pass (a filter per user was users x memberships).
    const teamsOf = new Map<string, string[]>();
    for (const r of rows) {
      const list = teamsOf.get(r.user_ref);
      if (list) list.push(r.group_ref);
      else teamsOf.set(r.user_ref, [r.group_ref]);
    }
    return users.map(u => ({
      ref: u.ref,
      teams: (teamsOf.get(u.ref) ?? []).sort(),
    }));
  }
}

async function syncEntities(
  trx: Knex.Transaction,
  table: string,
  entities: { ref: string; title?: string }[],
  at: string,
  users: boolean,
) {
  const existing: {
    ref: string;
    title: string | null;
    removed_at: string | null;
  }[] = await trx(table).select('ref', 'title', 'removed_at');
  const known = new Map(existing.map(e => [e.ref, e]));
  const seen = new Set(entities.map(e => e.ref));
  for (const entity of entities) {
    const row = known.get(entity.ref);
    if (!row) {
      await trx(table).insert({
        ref: entity.ref,
        title: entity.title?.slice(0, 255) ?? null,
        removed_at: null,
        ...(users ? { first_seen_at: at } : {}),
      });
    } else if (
      row.removed_at !== null ||
      row.title !== (entity.title?.slice(0, 255) ?? null)
    ) {
      await trx(table)
        .where({ ref: entity.ref })
        .update({
          title: entity.title?.slice(0, 255) ?? null,
          removed_at: null,
        });
    }
  }
  const gone = existing
    .filter(e => !seen.has(e.ref) && e.removed_at === null)
    .map(e => e.ref);
  for (let i = 0; i < gone.length; i += 500) {
    await trx(table)
      .whereIn('ref', gone.slice(i, i + 500))
      .update({ removed_at: at });
  }
}
