import { AuthService } from '@backstage/backend-plugin-api';
import {
  Entity,
  parseEntityRef,
  stringifyEntityRef,
} from '@backstage/catalog-model';
import { CatalogService } from '@backstage/plugin-catalog-node';
import { GOLDEN_PATH_ANNOTATION } from '@trellis/backstage-plugin-devex-common';
import { isDay } from '../../rollups/days';

/** The catalog User annotation that gives a person's start date (YYYY-MM-DD). */
export const START_DATE_ANNOTATION = 'trellis.dev/start-date';

export interface ComponentInfo {
  title?: string;
  /** The owning group (lower-case ref), when the owner is a group. */
  owner?: string;
  /** Annotated `trellis.dev/golden-path`. */
  goldenPath: boolean;
}

export interface DeliveryCatalogSnapshot {
  components: Map<string, ComponentInfo>;
  /** Every catalog user (lower-case ref) → start date from the annotation, if valid. */
  users: Map<string, string | undefined>;
}

/** What the delivery reports need from the catalog. */
export interface DeliveryCatalogReader {
  snapshot(): Promise<DeliveryCatalogSnapshot>;
}

const lower = (ref: string) => ref.toLocaleLowerCase('en-US');
const CACHE_MS = 5 * 60_000;

function ownerOf(entity: Entity): string | undefined {
  const owner = (entity.spec as { owner?: unknown } | undefined)?.owner;
  if (typeof owner !== 'string' || owner === '') return undefined;
  try {
    const ref = parseEntityRef(owner, {
      defaultKind: 'group',
      defaultNamespace: entity.metadata.namespace ?? 'default',
    });
    return ref.kind.toLocaleLowerCase('en-US') === 'group'
      ? lower(stringifyEntityRef(ref))
      : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Components (owner, golden-path annotation) and users (start date) read
 * from the catalog with the plugin's own credentials, kept for 5 minutes.
 */
export class DeliveryCatalog implements DeliveryCatalogReader {
  private cached?: { at: number; value: Promise<DeliveryCatalogSnapshot> };

  constructor(
    private readonly catalog: CatalogService,
    private readonly auth: AuthService,
    private readonly now: () => number = Date.now,
  ) {}

  snapshot(): Promise<DeliveryCatalogSnapshot> {
    const now = this.now();
    if (!this.cached || now - this.cached.at > CACHE_MS) {
      const value = this.read();
      this.cached = { at: now, value };
      value.catch(() => {
        if (this.cached?.value === value) this.cached = undefined;
      });
    }
    return this.cached.value;
  }

  private async read(): Promise<DeliveryCatalogSnapshot> {
    const credentials = await this.auth.getOwnServiceCredentials();
    const [components, users] = await Promise.all([
      this.catalog.getEntities(
        {
          filter: { kind: 'Component' },
          fields: [
            'kind',
            'metadata.namespace',
            'metadata.name',
            'metadata.title',
            `metadata.annotations.${GOLDEN_PATH_ANNOTATION}`,
            'spec.owner',
          ],
        },
        { credentials },
      ),
      this.catalog.getEntities(
        {
          filter: { kind: 'User' },
          fields: [
            'kind',
            'metadata.namespace',
            'metadata.name',
            `metadata.annotations.${START_DATE_ANNOTATION}`,
          ],
        },
        { credentials },
      ),
    ]);
    const snapshot: DeliveryCatalogSnapshot = {
      components: new Map(),
      users: new Map(),
    };
    for (const entity of components.items) {
      const info: ComponentInfo = {
        goldenPath: Boolean(
          entity.metadata.annotations?.[GOLDEN_PATH_ANNOTATION],
        ),
      };
      if (entity.metadata.title) info.title = entity.metadata.title;
      const owner = ownerOf(entity);
      if (owner) info.owner = owner;
      snapshot.components.set(lower(stringifyEntityRef(entity)), info);
    }
    for (const entity of users.items) {
      const start = entity.metadata.annotations?.[START_DATE_ANNOTATION];
      snapshot.users.set(
        lower(stringifyEntityRef(entity)),
        typeof start === 'string' && isDay(start.trim())
          ? start.trim()
          : undefined,
      );
    }
    return snapshot;
  }
}
