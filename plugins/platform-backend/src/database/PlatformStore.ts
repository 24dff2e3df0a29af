import {
  DatabaseService,
  LoggerService,
  resolvePackagePath,
} from '@backstage/backend-plugin-api';
import { ConflictError, InputError, NotFoundError } from '@backstage/errors';
import { PermissionCriteria } from '@backstage/plugin-permission-common';
import {
  isAndCriteria,
  isNotCriteria,
  isOrCriteria,
} from '@backstage/plugin-permission-node';
import {
  Capability,
  EngineObjectRef,
  FleetCount,
  JsonObject,
  ListResourcesQuery,
  PlatformResource,
  ResourceEvent,
  ResourceFeedEvent,
  ResourcePage,
  ResourcePhase,
  Rollout,
  RolloutItemStatus,
  RolloutStatus,
} from '@trellis/backstage-plugin-platform-common';
import {
  ObservedState,
  PlatformResourceFilter,
} from '@trellis/backstage-plugin-platform-node';
import { Knex } from 'knex';
import {
  capabilityFromRow,
  eventFromRow,
  EventRow,
  resourceFromRow,
  ResourceRow,
  RolloutItemRow,
  rolloutFromRows,
  RolloutRow,
} from './rows';
import { GroupCommit } from './GroupCommit';
import { startSqliteCheckpointer } from './sqliteCheckpointer';
import { useSqliteStatementCache } from './sqliteStatementCache';

const MIGRATIONS_DIR = resolvePackagePath(
  '@trellis/backstage-plugin-platform-backend',
  'migrations',
);

/** Columns behind the API's filter and sort names. */
const FILTER_COLUMNS: Record<PlatformResourceFilter['field'], string> = {
  owner: 'owner',
  environment: 'environment',
  capabilityRef: 'capability_ref',
};
const SORT_COLUMNS = {
  name: 'name',
  createdAt: 'created_at',
  updatedAt: 'updated_at',
  phase: 'phase',
} as const;

const DEFAULT_PAGE_SIZE = 50;
/** Lists count matches up to this many; beyond, totalCount is this and capped. */
export const COUNT_CAP = 10_000;
const MAX_PAGE_SIZE = 500;

/** The FTS5 table and its key table (migration 20261201230000, SQLite). */
const SEARCH_TABLE = 'platform_resources_search';
const SEARCH_KEYS = 'platform_resources_search_keys';
const SEARCH_TRIGGERS = [
  'platform_resources_search_insert',
  'platform_resources_search_update',
  'platform_resources_search_delete',
];

/** `text` as one FTS5 phrase: every character literal. */
function ftsPhrase(text: string): string {
  return `"${text.replace(/"/g, '""')}"`;
}

/** A new event, before it has an id. */
export type NewEvent = Omit<ResourceEvent, 'id' | 'resourceId' | 'at'> & {
  at?: string;
};

/** Everything needed to insert a new resource. */
export interface NewResource {
  id: string;
  capabilityRef: string;
  engineId: string;
  name: string;
  environment: string;
  owner: string;
  requestedBy: string;
  component?: string;
  spec: JsonObject;
  version: string;
}

/** A claimed unit of work for the dispatcher. */
export interface DispatchClaim {
  row: ResourceRow;
  action: 'apply' | 'delete';
  generation: number;
}

/** The result of recording an observation. */
export interface ObservationResult {
  before: PlatformResource;
  after: PlatformResource;
}

/** Thrown when an Idempotency-Key was used before. */
export class IdempotentReplay extends Error {
  constructor(readonly resourceId: string, readonly requestHash: string) {
    super('Idempotent replay');
    this.name = 'IdempotentReplay';
  }
}

type Tx = Knex | Knex.Transaction;

export const nowIso = () => new Date().toISOString();

function searchText(r: {
  name: string;
  component?: string | null;
  capabilityRef: string;
  environment: string;
}) {
  return [r.name, r.component ?? '', r.capabilityRef, r.environment]
    .join(' ')
    .toLowerCase(); // locale-independent, as 'en-US', and faster
}

function encodeCursor(value: unknown): string {
  return Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');
}

function decodeCursor(cursor: string): { v: string | null; id: string } {
  try {
    const parsed = JSON.parse(
      Buffer.from(cursor, 'base64url').toString('utf8'),
    );
    if (typeof parsed?.id !== 'string') throw new Error('no id');
    return parsed;
  } catch {
    throw new InputError('cursor: is not a cursor this API returned');
  }
}

/**
 * The platform plugin's persistence: resources with their dispatch outbox,
 * the append-only history, idempotency keys, capabilities and rollouts.
 * Every query works on SQLite and PostgreSQL.
 */
export class PlatformStore {
  static async create(
    database: DatabaseService,
    options: { countCap?: number; logger?: LoggerService } = {},
  ): Promise<PlatformStore> {
    const client = await database.getClient();
    await useWriteAheadLog(client);
    if (!database.migrations?.skip) {
      await client.migrate.latest({
        directory: MIGRATIONS_DIR,
        tableName: 'platform_knex_migrations',
      });
    }
    await useSqliteStatementCache(client);
    const store = new PlatformStore(
      client,
      options.countCap,
      await hasTextIndex(client),
    );
    store.stopCheckpointer = await startSqliteCheckpointer(client, {
      onError: message =>
        options.logger?.warn(`SQLite checkpoint failed: ${message}`),
    });
    return store;
  }

  /** Stops the SQLite checkpoint worker, if one runs. */
  private stopCheckpointer?: () => Promise<void>;

  /** Stops background work; the database client is its owner's to close. */
  async close() {
    await this.stopCheckpointer?.();
  }

  /** The writes of creates, dispatches and observations, committed together. */
  private readonly writes: GroupCommit;

  constructor(
    private readonly db: Knex,
    private readonly countCap: number = COUNT_CAP,
    /** SQLite: the FTS5 trigram table of migration 20261201230000 is usable. */
    private readonly textIndex: boolean = false,
  ) {
    this.writes = new GroupCommit(db);
  }

  // ---- capabilities

  async replaceEngineCapabilities(
    engineId: string,
    capabilities: Capability[],
  ) {
    const now = nowIso();
    await this.db.transaction(async tx => {
      await tx('platform_capabilities').where({ engine_id: engineId }).delete();
      if (capabilities.length) {
        await tx.batchInsert(
          'platform_capabilities',
          capabilities.map(c => ({
            ref: c.ref,
            engine_id: engineId,
            data: JSON.stringify(c),
            updated_at: now,
          })),
          100,
        );
      }
    });
  }

  async listCapabilities(): Promise<Capability[]> {
    const rows = await this.db('platform_capabilities').orderBy('ref');
    return rows.map(capabilityFromRow);
  }

  async getCapability(ref: string): Promise<Capability | undefined> {
    const row = await this.db('platform_capabilities').where({ ref }).first();
    return row ? capabilityFromRow(row) : undefined;
  }

  // ---- resources

  /**
   * Inserts a resource, its `requested` event, and optionally its idempotency
   * key, in one transaction. The dispatcher picks it up from the outbox.
   */
  async insertResource(
    resource: NewResource,
    idempotency?: { principal: string; key: string; requestHash: string },
  ): Promise<PlatformResource> {
    const now = nowIso();
    const row: ResourceRow = {
      id: resource.id,
      capability_ref: resource.capabilityRef,
      engine_id: resource.engineId,
      name: resource.name,
      environment: resource.environment,
      owner: resource.owner,
      requested_by: resource.requestedBy,
      component_ref: resource.component ?? null,
      spec: JSON.stringify(resource.spec),
      generation: 1,
      observed_generation: 0,
      phase: 'Pending',
      message: null,
      conditions: '[]',
      outputs: '{}',
      desired_version: resource.version,
      applied_version: null,
      engine_ref: null,
      created_at: now,
      updated_at: now,
      ready_at: null,
      deleted_at: null,
      dispatch_action: 'apply',
      dispatch_generation: 1,
      dispatch_attempts: 0,
      dispatch_next_at: now,
      dispatch_error: null,
      dispatch_claimed_by: null,
      dispatch_claimed_until: null,
      search_text: searchText(resource),
    };
    try {
      await this.writes.run(async tx => {
        await tx('platform_resources').insert(row);
        await this.appendEvent(
          resource.id,
          {
            type: 'requested',
            at: now,
            actor: resource.requestedBy,
            toPhase: 'Pending',
            generation: 1,
            data: { spec: resource.spec, version: resource.version },
          },
          tx,
        );
        if (idempotency) {
          await tx('platform_idempotency_keys').insert({
            principal: idempotency.principal,
            key: idempotency.key,
            request_hash: idempotency.requestHash,
            resource_id: resource.id,
            created_at: now,
          });
        }
      });
    } catch (error) {
      if (isUniqueViolation(error)) {
        if (idempotency) {
          const earlier = await this.findIdempotencyKey(
            idempotency.principal,
            idempotency.key,
          );
          if (earlier) {
            throw new IdempotentReplay(
              earlier.resource_id,
              earlier.request_hash,
            );
          }
        }
        throw new ConflictError(
          `A resource named '${resource.name}' of ${resource.capabilityRef} already exists in environment '${resource.environment}'`,
        );
      }
      throw error;
    }
    return resourceFromRow(row);
  }

  async findIdempotencyKey(principal: string, key: string) {
    return this.db('platform_idempotency_keys')
      .where({ principal, key })
      .first() as Promise<
      { resource_id: string; request_hash: string } | undefined
    >;
  }

  async getResourceRow(id: string, tx: Tx = this.db) {
    return (await tx('platform_resources').where({ id }).first()) as
      | ResourceRow
      | undefined;
  }

  async getResource(id: string): Promise<PlatformResource | undefined> {
    const row = await this.getResourceRow(id);
    return row ? resourceFromRow(row) : undefined;
  }

  async getResources(
    ids: string[],
  ): Promise<Array<PlatformResource | undefined>> {
    const rows: ResourceRow[] = await this.db('platform_resources').whereIn(
      'id',
      ids,
    );
    const byId = new Map(rows.map(r => [r.id, resourceFromRow(r)]));
    return ids.map(id => byId.get(id));
  }

  async listResources(
    query: ListResourcesQuery,
    permissionFilter?: PermissionCriteria<PlatformResourceFilter>,
  ): Promise<ResourcePage> {
    const orderBy = query.orderBy ?? 'name';
    const order = query.order ?? 'asc';
    const limit = Math.min(query.limit ?? DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE);
    const column = SORT_COLUMNS[orderBy];
    const text = query.text?.toLocaleLowerCase('en-US');
    const textIndexed = text ? await this.fewTextMatches(text) : false;

    const filtered = this.db('platform_resources').where(builder => {
      if (!query.includeDeleted) builder.whereNull('deleted_at');
      if (query.capabilityRef?.length)
        builder.whereIn('capability_ref', query.capabilityRef);
      if (query.owner?.length)
        builder.whereIn(
          'owner',
          query.owner.map(o => o.toLocaleLowerCase('en-US')),
        );
      if (query.component?.length)
        builder.whereIn(
          'component_ref',
          query.component.map(c => c.toLocaleLowerCase('en-US')),
        );
      if (query.phase?.length) builder.whereIn('phase', query.phase);
      if (query.environment?.length)
        builder.whereIn('environment', query.environment);
      if (text) {
        const escaped = text.replace(/[\\%_]/g, m => `\\${m}`);
        builder.whereRaw("search_text LIKE ? ESCAPE '\\'", [`%${escaped}%`]);
        // SQLite: the trigram table finds the rows that contain the text
        // without reading the others; the LIKE above still decides, so the
        // matches are PostgreSQL's.
        if (textIndexed) {
          builder.whereIn(
            'id',
            this.db(SEARCH_TABLE)
              .join(`${SEARCH_KEYS} as k`, 'k.rowid', `${SEARCH_TABLE}.rowid`)
              .whereRaw(`${SEARCH_TABLE} MATCH ?`, [ftsPhrase(text)])
              .select('k.resource_id'),
          );
        }
      }
      if (permissionFilter) applyPermissionFilter(builder, permissionFilter);
    });

    const page = filtered.clone();
    if (query.cursor) {
      const cursor = decodeCursor(query.cursor);
      const op = order === 'asc' ? '>' : '<';
      // A row value, not `column > v or (column = v and id > id)`: both
      // databases answer it with a range scan of the (column, id) index,
      // where the OR form scans the index from its start (a page at row
      // 50,000 of 100,000: 67 ms p95 on PostgreSQL). Sort columns are NOT NULL.
      page.whereRaw(`(??, ??) ${op} (?, ?)`, [
        column,
        'id',
        cursor.v ?? '',
        cursor.id,
      ]);
    }
    const rows: ResourceRow[] = await page
      .orderBy([
        { column, order },
        { column: 'id', order },
      ])
      .limit(limit + 1);

    // Counting every match of a broad filter costs more than the page itself
    // (60 ms for 30,000 of 100,000 rows on SQLite); count up to a cap.
    const capped = filtered
      .clone()
      .clearSelect()
      .select(this.db.raw('1 as one'))
      .limit(this.countCap + 1)
      .as('capped');
    const [row] = await this.db.count({ count: '*' }).from(capped);
    const total = Number((row as { count: string | number }).count);
    const items = rows.slice(0, limit).map(resourceFromRow);
    const last = rows.length > limit ? rows[limit - 1] : undefined;
    return {
      items,
      totalCount: Math.min(total, this.countCap),
      ...(total > this.countCap ? { totalCountCapped: true } : {}),
      nextCursor: last
        ? encodeCursor({
            v: last[column as keyof ResourceRow] ?? null,
            id: last.id,
          })
        : undefined,
    };
  }

  /**
   * Whether SQLite's text index should find the rows for `text`: it knows
   * strings of three or more characters, and it pays when they are in fewer
   * rows than the count cap. A page of a text in many rows is found sooner
   * by walking the sort index (its count stops at the cap), where fetching
   * and sorting every match costs more: 12,500 matches at 100,000 resources
   * took 617 against 39 ms for the page (bench/platform-api/list.ts).
   */
  private async fewTextMatches(text: string): Promise<boolean> {
    if (!this.textIndex || [...text].length < 3) return false;
    const [row]: Array<{ n: number }> = await this.db.raw(
      `SELECT count(*) AS n FROM (SELECT rowid FROM ${SEARCH_TABLE} WHERE ${SEARCH_TABLE} MATCH ? LIMIT ?)`,
      [ftsPhrase(text), this.countCap],
    );
    return Number(row.n) < this.countCap;
  }

  /**
   * Accepts a spec change based on `expectedGeneration`; throws ConflictError
   * when the resource has moved on since.
   */
  async updateSpec(
    id: string,
    expectedGeneration: number,
    spec: JsonObject,
    actor: string,
  ): Promise<PlatformResource> {
    return this.db.transaction(async tx => {
      const row = await this.getResourceRow(id, tx);
      if (!row || row.deleted_at) throw new NotFoundError(`No resource ${id}`);
      if (row.dispatch_action === 'delete' || row.phase === 'Deleting') {
        throw new ConflictError(`Resource ${row.name} is being deleted`);
      }
      const now = nowIso();
      const generation = Number(row.generation) + 1;
      // A settled resource (a failed one too) now waits for the engine to
      // reconcile the new generation; one still being created, or paused,
      // keeps its phase.
      const phase: ResourcePhase = [
        'Pending',
        'Provisioning',
        'Paused',
      ].includes(row.phase)
        ? row.phase
        : 'Updating';
      const updated = await tx('platform_resources')
        .where({ id, generation: expectedGeneration })
        .update({
          spec: JSON.stringify(spec),
          generation,
          phase,
          updated_at: now,
          dispatch_action: 'apply',
          dispatch_generation: generation,
          dispatch_attempts: 0,
          dispatch_next_at: now,
          dispatch_error: null,
        });
      if (updated !== 1) {
        throw new ConflictError(
          `Resource ${row.name} is at generation ${row.generation}, not ${expectedGeneration}: reload it and apply your change again`,
        );
      }
      await this.appendEvent(
        id,
        {
          type: 'spec-updated',
          at: now,
          actor,
          generation,
          data: { spec },
        },
        tx,
      );
      if (phase !== row.phase) {
        await this.appendEvent(
          id,
          {
            type: 'phase-changed',
            at: now,
            actor,
            fromPhase: row.phase,
            toPhase: phase,
            reason: 'SpecUpdated',
            generation,
          },
          tx,
        );
      }
      return resourceFromRow((await this.getResourceRow(id, tx))!);
    });
  }

  /** Marks a resource for deletion; the dispatcher tells the engine. */
  async requestDelete(id: string, actor: string): Promise<PlatformResource> {
    return this.db.transaction(async tx => {
      const row = await this.getResourceRow(id, tx);
      if (!row || row.deleted_at) throw new NotFoundError(`No resource ${id}`);
      if (row.dispatch_action === 'delete') return resourceFromRow(row);
      const now = nowIso();
      // Never applied: nothing to tell the engine.
      const neverApplied = row.engine_ref === null;
      await tx('platform_resources')
        .where({ id })
        .update({
          phase: neverApplied ? 'Deleted' : 'Deleting',
          updated_at: now,
          deleted_at: neverApplied ? now : null,
          dispatch_action: neverApplied ? null : 'delete',
          dispatch_generation: row.generation,
          dispatch_attempts: 0,
          dispatch_next_at: neverApplied ? null : now,
          dispatch_error: null,
        });
      await this.appendEvent(
        id,
        {
          type: 'delete-requested',
          at: now,
          actor,
          generation: Number(row.generation),
        },
        tx,
      );
      await this.appendEvent(
        id,
        {
          type: 'phase-changed',
          at: now,
          actor,
          fromPhase: row.phase,
          toPhase: neverApplied ? 'Deleted' : 'Deleting',
          reason: 'DeleteRequested',
        },
        tx,
      );
      if (neverApplied) {
        await this.appendEvent(id, { type: 'deleted', at: now, actor }, tx);
      }
      return resourceFromRow((await this.getResourceRow(id, tx))!);
    });
  }

  // ---- dispatch outbox

  /**
   * Claims up to `limit` resources whose desired state the engine still has
   * to hear about. A claim is a lease: a conditional update that only one
   * caller can win, so two replicas never dispatch the same work.
   *
   * `instances` names this replica's instances of process-local engines
   * (engine id to instance id). Their resources are claimed only by the
   * instance they are bound to, and an unbound one is bound by its claim,
   * before the engine hears of it: no two instances ever apply it.
   */
  async claimDispatch(options: {
    claimant: string;
    limit: number;
    leaseMs: number;
    onlyIds?: string[];
    instances?: Record<string, string>;
  }): Promise<DispatchClaim[]> {
    const instances = Object.entries(options.instances ?? {});
    const notOthers = (b: Knex.QueryBuilder) => {
      for (const [engineId, instance] of instances) {
        b.whereNot(q =>
          q
            .where('engine_id', engineId)
            .whereNotNull('engine_instance')
            .whereNot('engine_instance', instance),
        );
      }
    };
    const now = nowIso();
    const until = new Date(Date.now() + options.leaseMs).toISOString();
    const due = (b: Knex.QueryBuilder) =>
      b
        .whereNotNull('dispatch_action')
        .where('dispatch_next_at', '<=', now)
        .where(q =>
          q
            .whereNull('dispatch_claimed_until')
            .orWhere('dispatch_claimed_until', '<', now),
        )
        .modify(notOthers);
    // An unbound resource of a process-local engine is bound by its claim.
    const binding = instances.length
      ? {
          engine_instance: this.db.raw(
            `CASE ${instances
              .map(() => 'WHEN engine_id = ? THEN ?')
              .join(' ')} ELSE engine_instance END`,
            instances.flat(),
          ),
        }
      : {};
    // One statement: the candidates are chosen and claimed together, and the
    // claim repeats their conditions, so that of two replicas choosing the
    // same row only the first update wins it (PostgreSQL checks the
    // conditions again on the row the other replica just claimed).
    const claimed: ResourceRow[] = await this.db('platform_resources')
      .whereIn(
        'id',
        this.db('platform_resources')
          .select('id')
          .modify(due)
          .modify(b => {
            if (options.onlyIds) b.whereIn('id', options.onlyIds);
          })
          .orderBy('dispatch_next_at')
          .limit(options.limit),
      )
      .modify(due)
      .update(
        {
          dispatch_claimed_by: options.claimant,
          dispatch_claimed_until: until,
          ...binding,
        },
        '*',
      );
    return claimed
      .sort((a, b) =>
        String(a.dispatch_next_at).localeCompare(String(b.dispatch_next_at)),
      )
      .map(row => ({
        row,
        action: row.dispatch_action!,
        generation: Number(row.dispatch_generation),
      }));
  }

  /**
   * Records that the engine accepted the claimed work. When the desired state
   * changed meanwhile (a newer generation), the work stays owed.
   */
  async completeDispatch(
    claim: DispatchClaim,
    claimant: string,
    engineRef?: EngineObjectRef,
  ): Promise<boolean> {
    const update: Record<string, unknown> = {
      dispatch_claimed_by: null,
      dispatch_claimed_until: null,
      dispatch_attempts: 0,
      dispatch_error: null,
    };
    if (engineRef) update.engine_ref = JSON.stringify(engineRef);
    return this.writes.run(async tx => {
      const done = await tx('platform_resources')
        .where({
          id: claim.row.id,
          dispatch_claimed_by: claimant,
          dispatch_action: claim.action,
          dispatch_generation: claim.generation,
        })
        .update({ ...update, dispatch_action: null, dispatch_next_at: null });
      if (done === 0) {
        // Superseded: keep the newer work owed, just record the engine ref.
        await tx('platform_resources')
          .where({ id: claim.row.id, dispatch_claimed_by: claimant })
          .update(update);
      }
      return done === 1;
    });
  }

  /**
   * Hands claimed work back undone (its replica is shutting down): due now,
   * for whichever replica claims next. False when the claim was not held.
   */
  async releaseDispatch(
    claim: DispatchClaim,
    claimant: string,
  ): Promise<boolean> {
    const released = await this.db('platform_resources')
      .where({ id: claim.row.id, dispatch_claimed_by: claimant })
      .update({
        dispatch_claimed_by: null,
        dispatch_claimed_until: null,
        dispatch_next_at: nowIso(),
      });
    return released === 1;
  }

  /** Releases a claim after a transient failure, to retry at `nextAt`. */
  async retryDispatch(
    claim: DispatchClaim,
    claimant: string,
    error: string,
    nextAt: Date,
  ): Promise<number> {
    const attempts = Number(claim.row.dispatch_attempts) + 1;
    await this.db('platform_resources')
      .where({ id: claim.row.id, dispatch_claimed_by: claimant })
      .update({
        dispatch_claimed_by: null,
        dispatch_claimed_until: null,
        dispatch_attempts: attempts,
        dispatch_error: error,
        dispatch_next_at: nextAt.toISOString(),
      });
    return attempts;
  }

  /** Ends claimed work for good after a permanent failure. */
  async failDispatch(
    claim: DispatchClaim,
    claimant: string,
    message: string,
  ): Promise<ObservationResult | undefined> {
    return this.db.transaction(async tx => {
      const row = await this.getResourceRow(claim.row.id, tx);
      if (!row || row.dispatch_claimed_by !== claimant) return undefined;
      const now = nowIso();
      await tx('platform_resources').where({ id: row.id }).update({
        dispatch_action: null,
        dispatch_next_at: null,
        dispatch_claimed_by: null,
        dispatch_claimed_until: null,
        dispatch_error: message,
        phase: 'Failed',
        message,
        updated_at: now,
      });
      await this.appendEvent(
        row.id,
        {
          type: 'dispatch-failed',
          at: now,
          reason: 'EngineRejected',
          message,
          generation: claim.generation,
        },
        tx,
      );
      if (row.phase !== 'Failed') {
        await this.appendEvent(
          row.id,
          {
            type: 'phase-changed',
            at: now,
            fromPhase: row.phase,
            toPhase: 'Failed',
            reason: 'EngineRejected',
            message,
          },
          tx,
        );
      }
      return {
        before: resourceFromRow(row),
        after: resourceFromRow((await this.getResourceRow(row.id, tx))!),
      };
    });
  }

  /**
   * Parks claimed work until someone hands over credentials: it keeps the
   * owed action but has no time to run at, so no dispatcher claims it until
   * `retryNow` (or a newer change) gives it one.
   */
  async awaitCredentials(
    claim: DispatchClaim,
    claimant: string,
    message: string,
  ): Promise<ObservationResult | undefined> {
    return this.db.transaction(async tx => {
      const row = await this.getResourceRow(claim.row.id, tx);
      if (!row || row.dispatch_claimed_by !== claimant) return undefined;
      const now = nowIso();
      await tx('platform_resources').where({ id: row.id }).update({
        dispatch_claimed_by: null,
        dispatch_claimed_until: null,
        dispatch_next_at: null,
        dispatch_error: message,
        updated_at: now,
      });
      await this.appendEvent(
        row.id,
        {
          type: 'dispatch-failed',
          at: now,
          reason: 'AwaitingCredentials',
          message,
          generation: claim.generation,
        },
        tx,
      );
      return {
        before: resourceFromRow(row),
        after: resourceFromRow((await this.getResourceRow(row.id, tx))!),
      };
    });
  }

  /**
   * Makes a resource's owed work due now (a retry after an outage, or with
   * fresh credentials). False when nothing is owed or someone holds a claim.
   */
  async retryNow(id: string): Promise<boolean> {
    const now = nowIso();
    const updated = await this.db('platform_resources')
      .where({ id })
      .whereNotNull('dispatch_action')
      .where(b =>
        b
          .whereNull('dispatch_claimed_until')
          .orWhere('dispatch_claimed_until', '<', now),
      )
      .update({ dispatch_next_at: now, dispatch_attempts: 0, updated_at: now });
    return updated === 1;
  }

  /** Schedules a resource to be applied again (resync found it missing). */
  async scheduleReapply(id: string, reason: string) {
    await this.db('platform_resources')
      .where({ id })
      .whereNull('dispatch_action')
      .whereNull('deleted_at')
      .update({
        dispatch_action: 'apply',
        dispatch_generation: this.db.ref('generation'),
        dispatch_attempts: 0,
        dispatch_next_at: nowIso(),
        dispatch_error: reason,
      });
  }

  // ---- observation

  /**
   * Records what the engine observed. The update is conditional on the phase
   * read, so that two replicas observing the same transition append one event.
   */
  async recordObservation(
    id: string,
    observed: ObservedState,
    /** The process-local engine instance that observed it, if any. */
    instance?: string,
  ): Promise<ObservationResult | undefined> {
    for (let attempt = 0; attempt < 3; attempt++) {
      const result = await this.writes.run(async tx => {
        const row = await this.getResourceRow(id, tx);
        if (!row || row.deleted_at) return { done: true, value: undefined };
        // Another instance's copy (never the resource itself): ignored.
        if (
          instance &&
          row.engine_instance &&
          row.engine_instance !== instance
        ) {
          return { done: true, value: undefined };
        }
        const phase = normalizePhase(row, observed);
        const now = nowIso();
        const next = {
          phase,
          message: observed.message ?? null,
          conditions: JSON.stringify(observed.conditions ?? []),
          outputs: JSON.stringify(observed.outputs ?? {}),
          observed_generation: Math.max(0, observed.observedGeneration ?? 0),
          applied_version: observed.appliedVersion ?? row.applied_version,
          engine_ref: JSON.stringify(observed.engineRef),
          ready_at: row.ready_at ?? (phase === 'Ready' ? now : null),
          // Rows applied before instances were recorded: adopted by theirs.
          engine_instance: row.engine_instance ?? instance ?? null,
        };
        const unchanged =
          next.phase === row.phase &&
          next.message === row.message &&
          next.conditions === row.conditions &&
          next.outputs === row.outputs &&
          next.observed_generation === Number(row.observed_generation) &&
          next.applied_version === row.applied_version &&
          next.engine_ref === row.engine_ref &&
          next.engine_instance === (row.engine_instance ?? null);
        if (unchanged) return { done: true, value: undefined };
        const changed: ResourceRow = { ...row, ...next, updated_at: now };
        const updated = await tx('platform_resources')
          .where({ id, phase: row.phase, updated_at: row.updated_at })
          .update({ ...next, updated_at: now });
        if (updated !== 1) return { done: false, value: undefined };
        if (phase !== row.phase) {
          await this.appendEvent(
            id,
            {
              type: 'phase-changed',
              at: now,
              fromPhase: row.phase,
              toPhase: phase,
              reason: observed.conditions?.find(c => c.reason)?.reason,
              message: observed.message,
              generation: next.observed_generation,
            },
            tx,
          );
        }
        // The row as updated, without reading it again.
        return {
          done: true,
          value: {
            before: resourceFromRow(row),
            after: resourceFromRow(changed),
          },
        };
      });
      if (result.done) return result.value;
    }
    return undefined;
  }

  /** The engine reports the resource gone. */
  async markDeleted(
    id: string,
    message?: string,
    /** The process-local engine instance that reports it gone, if any. */
    instance?: string,
  ): Promise<ObservationResult | undefined> {
    return this.db.transaction(async tx => {
      const row = await this.getResourceRow(id, tx);
      if (!row || row.deleted_at) return undefined;
      if (instance && row.engine_instance && row.engine_instance !== instance) {
        return undefined; // another instance's copy is gone, not the resource
      }
      const now = nowIso();
      await tx('platform_resources')
        .where({ id })
        .update({
          phase: 'Deleted',
          message: message ?? null,
          deleted_at: now,
          updated_at: now,
          dispatch_action: null,
          dispatch_next_at: null,
          dispatch_claimed_by: null,
          dispatch_claimed_until: null,
        });
      await this.appendEvent(
        id,
        {
          type: 'phase-changed',
          at: now,
          fromPhase: row.phase,
          toPhase: 'Deleted',
          message,
        },
        tx,
      );
      await this.appendEvent(id, { type: 'deleted', at: now, message }, tx);
      return {
        before: resourceFromRow(row),
        after: resourceFromRow((await this.getResourceRow(id, tx))!),
      };
    });
  }

  /**
   * Live resources of an engine that the engine has been told about; of a
   * process-local engine, those bound to `instance` only.
   */
  async listAppliedResources(
    engineId: string,
    instance?: string,
  ): Promise<
    Array<
      Pick<
        ResourceRow,
        'id' | 'engine_ref' | 'phase' | 'dispatch_action' | 'generation'
      >
    >
  > {
    return this.db('platform_resources')
      .where({ engine_id: engineId })
      .modify(b => {
        if (instance) b.where({ engine_instance: instance });
      })
      .whereNull('deleted_at')
      .whereNotNull('engine_ref')
      .select('id', 'engine_ref', 'phase', 'dispatch_action', 'generation');
  }

  // ---- history

  /** Appends to a resource's history, inside `tx` when given. */
  async appendEvent(resourceId: string, event: NewEvent, tx: Tx = this.db) {
    await tx('platform_resource_events').insert({
      resource_id: resourceId,
      type: event.type,
      at: event.at ?? nowIso(),
      actor: event.actor ?? null,
      from_phase: event.fromPhase ?? null,
      to_phase: event.toPhase ?? null,
      reason: event.reason ?? null,
      message: event.message ?? null,
      generation: event.generation ?? null,
      data: event.data ? JSON.stringify(event.data) : null,
    });
  }

  async listEvents(resourceId: string): Promise<ResourceEvent[]> {
    const rows: EventRow[] = await this.db('platform_resource_events')
      .where({ resource_id: resourceId })
      .orderBy('id');
    return rows.map(eventFromRow);
  }

  /**
   * The history of every resource that passes `permissionFilter`, in id
   * order after `afterId`, with the resource each event belongs to. Reads
   * `limit` events at most, and stops before the first one younger than
   * `settledBefore`: a transaction that took a lower id may not have
   * committed yet, and a cursor past it would skip it for good.
   */
  async listEventFeed(options: {
    afterId: number;
    limit: number;
    settledBefore: string;
    permissionFilter?: PermissionCriteria<PlatformResourceFilter>;
  }): Promise<ResourceFeedEvent[]> {
    const rows: Array<
      EventRow & {
        r_name: string;
        r_capability_ref: string;
        r_engine_id: string;
        r_environment: string;
        r_owner: string;
        r_requested_by: string;
        r_component_ref: string | null;
        r_created_at: string;
      }
    > = await this.db('platform_resource_events as e')
      .join('platform_resources as r', 'r.id', 'e.resource_id')
      .where('e.id', '>', options.afterId)
      .modify(b => {
        if (options.permissionFilter) {
          b.where(f => applyPermissionFilter(f, options.permissionFilter!));
        }
      })
      .orderBy('e.id')
      .limit(options.limit)
      .select(
        'e.*',
        'r.name as r_name',
        'r.capability_ref as r_capability_ref',
        'r.engine_id as r_engine_id',
        'r.environment as r_environment',
        'r.owner as r_owner',
        'r.requested_by as r_requested_by',
        'r.component_ref as r_component_ref',
        'r.created_at as r_created_at',
      );
    const settled = rows.findIndex(row => row.at >= options.settledBefore);
    return (settled === -1 ? rows : rows.slice(0, settled)).map(row => ({
      event: eventFromRow(row),
      resource: {
        id: row.resource_id,
        name: row.r_name,
        capabilityRef: row.r_capability_ref,
        engineId: row.r_engine_id,
        environment: row.r_environment,
        owner: row.r_owner,
        requestedBy: row.r_requested_by,
        ...(row.r_component_ref ? { component: row.r_component_ref } : {}),
        createdAt: row.r_created_at,
      },
    }));
  }

  // ---- fleet

  async fleetCounts(
    permissionFilter?: PermissionCriteria<PlatformResourceFilter>,
  ): Promise<FleetCount[]> {
    const rows = await this.db('platform_resources')
      .whereNull('deleted_at')
      .modify(b => {
        if (permissionFilter) applyPermissionFilter(b, permissionFilter);
      })
      .select('capability_ref', 'applied_version', 'phase')
      .count({ count: '*' })
      .groupBy('capability_ref', 'applied_version', 'phase')
      .orderBy(['capability_ref', 'applied_version', 'phase']);
    return rows.map(r => ({
      capabilityRef: String(r.capability_ref),
      version: (r.applied_version as string | null) ?? null,
      phase: r.phase as ResourcePhase,
      count: Number(r.count),
    }));
  }

  // ---- rollouts

  async createRollout(rollout: {
    id: string;
    capabilityRef: string;
    targetVersion: string;
    waveSize: number;
    pauseSeconds: number;
    createdBy: string;
    items: Array<{ resourceId: string; wave: number; fromVersion?: string }>;
  }): Promise<Rollout> {
    const now = nowIso();
    const waveCount = rollout.items.length
      ? Math.max(...rollout.items.map(i => i.wave)) + 1
      : 0;
    await this.db.transaction(async tx => {
      await tx('platform_rollouts').insert({
        id: rollout.id,
        capability_ref: rollout.capabilityRef,
        target_version: rollout.targetVersion,
        wave_size: rollout.waveSize,
        pause_seconds: rollout.pauseSeconds,
        status: waveCount ? 'Running' : 'Completed',
        message: waveCount
          ? null
          : 'Every instance is already at the target version',
        current_wave: 0,
        wave_count: waveCount,
        next_wave_at: now,
        created_by: rollout.createdBy,
        created_at: now,
        updated_at: now,
      });
      if (rollout.items.length) {
        await tx.batchInsert(
          'platform_rollout_items',
          rollout.items.map(i => ({
            rollout_id: rollout.id,
            resource_id: i.resourceId,
            wave: i.wave,
            status: 'Pending',
            from_version: i.fromVersion ?? null,
          })),
          100,
        );
      }
    });
    return (await this.getRollout(rollout.id))!;
  }

  async getRollout(id: string): Promise<Rollout | undefined> {
    const row: RolloutRow | undefined = await this.db('platform_rollouts')
      .where({ id })
      .first();
    if (!row) return undefined;
    const items = await this.db('platform_rollout_items as i')
      .leftJoin('platform_resources as r', 'r.id', 'i.resource_id')
      .where('i.rollout_id', id)
      .select('i.*', 'r.name as name', 'r.environment as environment')
      .orderBy([
        { column: 'i.wave' },
        { column: 'r.environment' },
        { column: 'r.name' },
      ]);
    return rolloutFromRows(row, items);
  }

  async listRollouts(filter: {
    capabilityRef?: string;
    status?: RolloutStatus[];
  }) {
    const rows: RolloutRow[] = await this.db('platform_rollouts')
      .modify(b => {
        if (filter.capabilityRef)
          b.where('capability_ref', filter.capabilityRef);
        if (filter.status) b.whereIn('status', filter.status);
      })
      .orderBy('created_at', 'desc');
    return rows;
  }

  async updateRollout(
    id: string,
    expected: { status?: RolloutStatus[]; currentWave?: number },
    patch: Partial<
      Pick<RolloutRow, 'status' | 'message' | 'current_wave' | 'next_wave_at'>
    >,
  ): Promise<boolean> {
    const updated = await this.db('platform_rollouts')
      .where({ id })
      .modify(b => {
        if (expected.status) b.whereIn('status', expected.status);
        if (expected.currentWave !== undefined)
          b.where('current_wave', expected.currentWave);
      })
      .update({ ...patch, updated_at: nowIso() });
    return updated === 1;
  }

  async waveItems(rolloutId: string, wave: number): Promise<RolloutItemRow[]> {
    return this.db('platform_rollout_items').where({
      rollout_id: rolloutId,
      wave,
    });
  }

  async updateRolloutItem(
    rolloutId: string,
    resourceId: string,
    expectedStatus: RolloutItemStatus,
    patch: Partial<
      Pick<RolloutItemRow, 'status' | 'message' | 'started_at' | 'finished_at'>
    >,
  ): Promise<boolean> {
    const updated = await this.db('platform_rollout_items')
      .where({
        rollout_id: rolloutId,
        resource_id: resourceId,
        status: expectedStatus,
      })
      .update(patch);
    return updated === 1;
  }

  /** Live resources of a capability, for planning a rollout. */
  async resourcesOfCapability(
    capabilityRef: string,
    environments?: string[],
  ): Promise<ResourceRow[]> {
    return this.db('platform_resources')
      .where({ capability_ref: capabilityRef })
      .whereNull('deleted_at')
      .modify(b => {
        if (environments?.length) b.whereIn('environment', environments);
      })
      .orderBy([{ column: 'name' }, { column: 'id' }]);
  }
}

/**
 * Whether SQLite's text index exists and is kept current: its table and all
 * three triggers (a table rebuilt by a later migration would lose them, and
 * a stale index would hide matches; the scan is slow but right).
 */
async function hasTextIndex(db: Knex): Promise<boolean> {
  if (!isSqlite(db)) return false;
  const rows: Array<{ name: string }> = await db('sqlite_master')
    .whereIn('name', [SEARCH_TABLE, SEARCH_KEYS, ...SEARCH_TRIGGERS])
    .select('name');
  return rows.length === SEARCH_TRIGGERS.length + 2;
}

/** True for knex clients of SQLite (better-sqlite3, sqlite3). */
export function isSqlite(db: Knex): boolean {
  return String(db.client.config.client).includes('sqlite');
}

/**
 * Switches a file-backed SQLite database to a write-ahead log with
 * `synchronous = NORMAL`. In SQLite's default rollback-journal mode every
 * commit waits for several fsyncs, and better-sqlite3 waits on the event
 * loop: a create (four commits, with its dispatch and observation) held the
 * whole backend for about 30 ms, and the dispatcher's single-statement
 * updates took 12 ms each (bench/platform-api/create.ts, docs/benchmarks.md).
 * With the log, a commit is an append without fsync; checkpoints sync.
 * Every committed transaction survives a crash of the process (`kill -9`);
 * a power loss or an operating-system crash can lose the last ones, never
 * corrupt the file. The log mode is a property of the file (set once, kept);
 * `synchronous` is one of the connection, set on every new one. In-memory
 * databases (tests) have no log and are left alone.
 */
async function useWriteAheadLog(db: Knex) {
  if (!isSqlite(db)) return;
  const rows: Array<{ journal_mode?: string }> = await db.raw(
    'PRAGMA journal_mode = WAL',
  );
  if (rows?.[0]?.journal_mode !== 'wal') return;
  await db.raw('PRAGMA synchronous = NORMAL');
  (db.client as { pool?: NodeJS.EventEmitter }).pool?.on(
    'createSuccess',
    (_id: unknown, connection: { pragma?: (sql: string) => unknown }) => {
      connection.pragma?.('synchronous = NORMAL');
    },
  );
}

/** What the engine reports, adjusted for what the platform knows. */
function normalizePhase(
  row: ResourceRow,
  observed: ObservedState,
): ResourcePhase {
  const generation = Number(row.generation);
  if (row.dispatch_action === 'delete' && observed.phase !== 'Failed') {
    return 'Deleting';
  }
  if (
    observed.phase === 'Ready' &&
    (observed.observedGeneration ?? 0) < generation
  ) {
    return 'Updating';
  }
  return observed.phase;
}

function isUniqueViolation(error: unknown): boolean {
  const e = error as { code?: string; message?: string };
  return (
    e?.code === '23505' ||
    e?.code === 'SQLITE_CONSTRAINT_UNIQUE' ||
    e?.code === 'SQLITE_CONSTRAINT_PRIMARYKEY' ||
    /UNIQUE constraint failed|duplicate key value/.test(e?.message ?? '')
  );
}

/** Translates permission criteria into a SQL where clause. */
export function applyPermissionFilter(
  builder: Knex.QueryBuilder,
  criteria: PermissionCriteria<PlatformResourceFilter>,
): void {
  if (isAndCriteria(criteria)) {
    builder.where(b => {
      for (const sub of criteria.allOf)
        b.andWhere(s => applyPermissionFilter(s, sub));
    });
  } else if (isOrCriteria(criteria)) {
    builder.where(b => {
      for (const sub of criteria.anyOf)
        b.orWhere(s => applyPermissionFilter(s, sub));
    });
  } else if (isNotCriteria(criteria)) {
    builder.whereNot(b => applyPermissionFilter(b, criteria.not));
  } else {
    const column = FILTER_COLUMNS[criteria.field];
    if (criteria.values.length === 0) {
      builder.whereRaw('1 = 0');
    } else {
      builder.whereIn(column, criteria.values);
    }
  }
}
