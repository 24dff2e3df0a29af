import { DevexFactKind } from '@trellis/backstage-plugin-devex-common';
import { Knex } from 'knex';
import { isSqlite } from '../../database/migrate';
import { ReportingCalendar } from '../../rollups/days';
import {
  applyAdoption,
  applyChanges,
  applyDeployments,
  applyIncidents,
  RepoTouch,
  ScopeTouch,
  Touched,
} from './indexApply';
import { deriveFailures, deriveLeadTimes } from './indexDerive';
import { DirtyDays, rebuildDays, refreshDays } from './indexDays';
import { FactRow } from './indexRows';

export { ADOPTION, CHANGES, DEPLOYMENTS, INCIDENTS } from './indexRows';
export { UNDEPLOYED_LOOKBACK_DAYS } from './indexDerive';
export { DAYS, WEEKS } from './indexDays';

const CURSOR_SOURCE = 'delivery-index';
const CURSOR_KEY = 'facts/after';
/** Set by the migration that adds the per-day rollup: rebuild it once. */
const REBUILD_KEY = 'days/rebuild';
/** Fact ids read per transaction. */
const CHUNK = 2000;
/**
 * On SQLite (one connection, synchronous): a transaction holds the event
 * loop for all of its time, so a chunk is kept to about 100 ms, and every
 * request that came meanwhile is served between two chunks.
 */
const SQLITE_CHUNK = 500;
/**
 * Facts received in the last 30 s are read again on the next catch-up:
 * concurrent writers may commit a lower id after a higher one. Reading a
 * fact twice changes nothing.
 */
const SETTLE_MS = 30_000;

const KINDS = [
  DevexFactKind.deliveryChangeMerged,
  DevexFactKind.deliveryDeployment,
  DevexFactKind.deliveryIncidentOpened,
  DevexFactKind.deliveryIncidentResolved,
  DevexFactKind.goldenPathRun,
  DevexFactKind.platformRequested,
];

export interface DeliveryIndexOptions {
  /** How long after a production deployment an incident counts against it. */
  failureWindowHours: number;
  now?: () => number;
}

/**
 * Keeps the delivery tables (devex_delivery_*) from the fact store: every
 * delivery.* fact (and the golden-path runs and platform requests that say
 * when a component or team adopted the platform) is read once through a
 * cursor, its subject's row is upserted (the latest status of a deployment
 * wins), and what depends on it is derived again for the affected repos and
 * components only:
 *
 * - a change's deployment: the first successful production deployment of
 *   its repo created at or after the merge (so it contains the change), and
 *   the lead time from the change's first commit to that deployment;
 * - a production deployment's failure: an incident on its component opened
 *   after it, before the next production deployment and within the failure
 *   window; or a rollback (the next production deployment ships the sha of
 *   the one before it);
 * - rework: a production deployment made while an incident on its
 *   component was open.
 *
 * Reports call `catchUp()` before they read, so they see every fact
 * committed before the request; a schedule keeps it warm.
 */
export class DeliveryIndex {
  private running?: Promise<void>;
  /** The highest fact id this process's runs have read. */
  private readUpTo = 0;
  private readonly windowMs: number;
  private readonly now: () => number;
  private readonly sqlite: boolean;

  constructor(
    private readonly db: Knex,
    private readonly calendar: ReportingCalendar,
    options: DeliveryIndexOptions,
  ) {
    this.windowMs = options.failureWindowHours * 3_600_000;
    this.now = options.now ?? Date.now;
    this.sqlite = isSqlite(db);
  }

  /** Reads every fact stored so far; concurrent callers share one run. */
  catchUp(): Promise<void> {
    if (!this.running) {
      this.running = this.run().finally(() => {
        this.running = undefined;
      });
    }
    return this.running;
  }

  /**
   * What a report waits for: the catch-up, for at most `budgetMs` (0: not
   * at all). Usually it finishes in a few milliseconds; after a large import
   * it may need minutes, and the report is then answered from what has been
   * read, with how many facts are still to read (the run goes on in the
   * background).
   */
  async catchUpWithin(
    budgetMs: number,
  ): Promise<{ factsBehind: number } | undefined> {
    if (budgetMs <= 0) {
      const behind = await this.behind();
      // Its failure is the scheduled catch-up's to report.
      this.catchUp().catch(() => {});
      return behind;
    }
    let timer: NodeJS.Timeout | undefined;
    const done = await Promise.race([
      this.catchUp().then(() => true),
      new Promise<boolean>(resolve => {
        timer = setTimeout(() => resolve(false), budgetMs);
      }),
    ]).finally(() => clearTimeout(timer));
    return done ? undefined : this.behind();
  }

  /** Facts stored after what this index has read (none: undefined). */
  private async behind(): Promise<{ factsBehind: number } | undefined> {
    const after = Math.max(this.readUpTo, await this.readCursor(this.db));
    const row = await this.db('devex_facts')
      .where('id', '>', after)
      .count({ n: '*' })
      .first();
    const factsBehind = Number(row?.n ?? 0);
    return factsBehind > 0 ? { factsBehind } : undefined;
  }

  private async run(): Promise<void> {
    await this.rebuildIfMarked();
    const top = await this.db('devex_facts').max('id as max').first();
    const max = Number(top?.max ?? 0);
    let after = await this.readCursor(this.db);
    /** A chunk read facts not settled yet: the cursor stays before them. */
    let held = false;
    while (after < max) {
      const from = after;
      const wasHeld = held;
      const read: { upTo: number; held: boolean } = await this.db.transaction(
        trx => this.chunk(trx, from, max, wasHeld),
      );
      after = read.upTo;
      held = read.held;
      // Read, even if not settled (the cursor may stay behind for 30 s).
      this.readUpTo = Math.max(this.readUpTo, after);
      // Let the requests that arrived during the chunk in (each chunk is
      // committed with its cursor: nothing to keep across the pause).
      if (after < max) await new Promise(resolve => setImmediate(resolve));
    }
  }

  /**
   * The per-day rollup from the index tables, once, when the migration
   * asked for it; under the cursor row's lock, so no chunk runs meanwhile.
   */
  private async rebuildIfMarked(): Promise<void> {
    const marked = await this.db('devex_cursors')
      .where({ source: CURSOR_SOURCE, key: REBUILD_KEY })
      .first('value');
    if (!marked) return;
    await this.db.transaction(async trx => {
      await this.lockCursor(trx, new Date(this.now()).toISOString());
      const still = await trx('devex_cursors')
        .where({ source: CURSOR_SOURCE, key: REBUILD_KEY })
        .delete();
      if (still) await rebuildDays(trx);
    });
  }

  /** Takes the cursor row (created at 0 if missing); returns its value. */
  private async lockCursor(
    trx: Knex.Transaction,
    now: string,
  ): Promise<number> {
    await trx('devex_cursors')
      .insert({
        source: CURSOR_SOURCE,
        key: CURSOR_KEY,
        value: JSON.stringify(0),
        updated_at: now,
      })
      .onConflict(['source', 'key'])
      .ignore();
    const cursor = trx('devex_cursors').where({
      source: CURSOR_SOURCE,
      key: CURSOR_KEY,
    });
    // SQLite has one writer at a time; PostgreSQL locks the row.
    const locked = await (this.sqlite ? cursor : cursor.forUpdate()).first(
      'value',
    );
    return Number(JSON.parse(locked.value));
  }

  private async readCursor(db: Knex | Knex.Transaction): Promise<number> {
    const row = await db('devex_cursors')
      .where({ source: CURSOR_SOURCE, key: CURSOR_KEY })
      .first('value');
    return row ? Number(JSON.parse(row.value)) : 0;
  }

  /**
   * Reads the facts after `from` (up to CHUNK ids); returns where it got
   * to, and whether the cursor is held before a fact not settled yet (in
   * this chunk or, with `held`, an earlier one of the run).
   */
  private async chunk(
    trx: Knex.Transaction,
    from: number,
    max: number,
    held: boolean,
  ): Promise<{ upTo: number; held: boolean }> {
    // The cursor row is the lock that serializes catch-ups across replicas.
    const now = new Date(this.now()).toISOString();
    const stored = await this.lockCursor(trx, now);
    // Another replica may have read further (what it settled is done). A
    // cursor behind `from` is held before facts this run has read but not
    // settled: they are read again by the next run, not by this one (it
    // read the same chunk over and over until they settled, up to 30 s).
    const after = Math.max(from, stored);
    if (after >= max) return { upTo: after, held };
    const upTo = Math.min(after + (this.sqlite ? SQLITE_CHUNK : CHUNK), max);
    const rows: FactRow[] = await trx('devex_facts')
      .where('id', '>', after)
      .andWhere('id', '<=', upTo)
      .whereIn('kind', KINDS)
      .orderBy('id')
      .select(
        'id',
        'kind',
        'time',
        'actor',
        'teams',
        'entity_ref',
        'subject',
        'value',
        'attributes',
        'received_at',
      );
    await this.apply(trx, rows);
    // Settled: everything up to the first fact received too recently.
    const settleBefore = new Date(this.now() - SETTLE_MS).toISOString();
    const recent = await trx('devex_facts')
      .where('id', '>', after)
      .andWhere('id', '<=', upTo)
      .andWhere('received_at', '>', settleBefore)
      .min('id as min')
      .first();
    const firstRecent =
      recent?.min === null || recent?.min === undefined
        ? undefined
        : Number(recent.min);
    if (!held) {
      const settled = Math.max(
        stored,
        firstRecent === undefined ? upTo : firstRecent - 1,
      );
      await trx('devex_cursors')
        .where({ source: CURSOR_SOURCE, key: CURSOR_KEY })
        .update({ value: JSON.stringify(settled), updated_at: now });
    }
    return { upTo, held: held || firstRecent !== undefined };
  }

  private async apply(trx: Knex.Transaction, rows: FactRow[]): Promise<void> {
    if (rows.length === 0) return;
    /** repo → the changes and the stretch whose deployment may have moved. */
    const repos = new Map<string, RepoTouch>();
    /** scope → the stretch whose failure / rework may have changed. */
    const scopes = new Map<string, ScopeTouch>();

    const bySubject = (kind: string) =>
      rows.filter(r => r.kind === kind && r.subject);
    const deployments = bySubject(DevexFactKind.deliveryDeployment);
    const changes = bySubject(DevexFactKind.deliveryChangeMerged);
    const incidents = rows.filter(
      r =>
        (r.kind === DevexFactKind.deliveryIncidentOpened ||
          r.kind === DevexFactKind.deliveryIncidentResolved) &&
        r.subject,
    );

    const days: DirtyDays = new Map();
    const touched: Touched = { repos, scopes, days };
    if (deployments.length)
      await applyDeployments(trx, this.calendar, deployments, touched);
    if (changes.length)
      await applyChanges(trx, this.calendar, changes, touched);
    if (incidents.length)
      await applyIncidents(trx, this.calendar, incidents, touched);

    await applyAdoption(trx, rows);

    for (const [repo, touch] of repos)
      await deriveLeadTimes(trx, repo, touch, days);
    for (const [scope, touch] of scopes)
      await deriveFailures(trx, scope, touch, this.windowMs, days);
    await refreshDays(trx, days);
  }
}
