import { InputError } from '@backstage/errors';
import { PermissionCriteria } from '@backstage/plugin-permission-common';
import {
  FleetCount,
  ListResourcesQuery,
  PlatformResource,
  ResourcePage,
  ResourcePhase,
} from '@trellis/backstage-plugin-platform-common';
import { PlatformResourceFilter } from '@trellis/backstage-plugin-platform-node';
import { Knex } from 'knex';
import { isSqlite } from './knexHelpers';
import { applyPermissionFilter } from './permissionFilter';
import { ResourceStore } from './ResourceStore';
import { resourceFromRow, ResourceRow } from './rows';

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

/** What free-text search matches: the same on both databases. */
export function searchText(r: {
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
 * Whether SQLite's text index exists and is kept current: its table and all
 * three triggers (a table rebuilt by a later migration would lose them, and
 * a stale index would hide matches; the scan is slow but right).
 */
export async function hasTextIndex(db: Knex): Promise<boolean> {
  if (!isSqlite(db)) return false;
  const rows: Array<{ name: string }> = await db('sqlite_master')
    .whereIn('name', [SEARCH_TABLE, SEARCH_KEYS, ...SEARCH_TRIGGERS])
    .select('name');
  return rows.length === SEARCH_TRIGGERS.length + 2;
}

/** The reads of many resources at once: pages, fleet counts, rollout plans. */
export class ResourceQueries
  implements Pick<ResourceStore, 'list' | 'fleetCounts' | 'listOfCapability'>
{
  constructor(
    private readonly db: Knex,
    private readonly countCap: number = COUNT_CAP,
    /** SQLite: the FTS5 trigram table of migration 20261201230000 is usable. */
    private readonly textIndex: boolean = false,
  ) {}

  async list(
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

  async listOfCapability(
    capabilityRef: string,
    environments?: string[],
  ): Promise<PlatformResource[]> {
    const rows: ResourceRow[] = await this.db('platform_resources')
      .where({ capability_ref: capabilityRef })
      .whereNull('deleted_at')
      .modify(b => {
        if (environments?.length) b.whereIn('environment', environments);
      })
      .orderBy([{ column: 'name' }, { column: 'id' }]);
    return rows.map(resourceFromRow);
  }
}
