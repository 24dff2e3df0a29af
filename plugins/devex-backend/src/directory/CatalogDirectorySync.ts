import { AuthService, LoggerService } from '@backstage/backend-plugin-api';
import {
  Entity,
  RELATION_MEMBER_OF,
  stringifyEntityRef,
} from '@backstage/catalog-model';
import { CatalogService } from '@backstage/plugin-catalog-node';
import {
  DirectorySnapshot,
  DirectoryStore,
  DirectorySyncResult,
} from '../database/DirectoryStore';

const lower = (ref: string) => ref.toLocaleLowerCase('en-US');

function title(entity: Entity): string | undefined {
  const profile = (
    entity.spec as { profile?: { displayName?: unknown } } | undefined
  )?.profile;
  const name =
    typeof profile?.displayName === 'string' ? profile.displayName : undefined;
  return name ?? entity.metadata.title;
}

/**
 * Copies users, groups and direct memberships from the catalog into the
 * directory, with the plugin's own credentials. Run on a schedule: each run
 * is a snapshot, and the store turns the differences into membership
 * intervals.
 */
export class CatalogDirectorySync {
  private settled = false;
  private lastShape = '';

  constructor(
    private readonly catalog: CatalogService,
    private readonly auth: AuthService,
    private readonly store: DirectoryStore,
    private readonly logger: LoggerService,
  ) {}

  async snapshot(): Promise<DirectorySnapshot> {
    const credentials = await this.auth.getOwnServiceCredentials();
    const fields = [
      'kind',
      'metadata.namespace',
      'metadata.name',
      'metadata.title',
      'spec.profile.displayName',
      'relations',
    ];
    const [users, groups] = await Promise.all([
      this.catalog.getEntities(
        { filter: { kind: 'User' }, fields },
        { credentials },
      ),
      this.catalog.getEntities(
        { filter: { kind: 'Group' }, fields },
        { credentials },
      ),
    ]);
    const snapshot: DirectorySnapshot = {
      users: [],
      groups: [],
      memberships: [],
    };
    for (const user of users.items) {
      const ref = lower(stringifyEntityRef(user));
      snapshot.users.push({ ref, title: title(user) });
      for (const relation of user.relations ?? []) {
        if (
          relation.type === RELATION_MEMBER_OF &&
          relation.targetRef.startsWith('group:')
        ) {
          snapshot.memberships.push([ref, lower(relation.targetRef)]);
        }
      }
    }
    for (const group of groups.items) {
      snapshot.groups.push({
        ref: lower(stringifyEntityRef(group)),
        title: title(group),
      });
    }
    return snapshot;
  }

  async sync(): Promise<DirectorySyncResult> {
    const result = await this.store.sync(await this.snapshot());
    this.logger.info(
      `DevEx directory: ${result.users} users, ${result.groups} groups; ${result.joined} memberships started, ${result.left} ended`,
    );
    return result;
  }

  /**
   * After a start, the catalog stitches its entities a few at a time, and a
   * directory read too early has no teams (every team filter would be
   * refused as too small until the next scheduled sync). Syncs until a sync
   * sees users and changes nothing (same users and groups, no membership
   * started or ended); then does nothing. Returns whether it has settled.
   */
  async settle(): Promise<boolean> {
    if (this.settled) return true;
    const result = await this.sync();
    const shape = `${result.users}/${result.groups}`;
    this.settled =
      result.users > 0 &&
      result.joined === 0 &&
      result.left === 0 &&
      shape === this.lastShape;
    this.lastShape = shape;
    return this.settled;
  }
}
