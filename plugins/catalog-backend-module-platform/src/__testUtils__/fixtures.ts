import {
  apiEntityV1alpha1Validator,
  DefaultNamespaceEntityPolicy,
  Entity,
  EntityPolicies,
  FieldFormatEntityPolicy,
  NoForeignRootFieldsEntityPolicy,
  resourceEntityV1alpha1Validator,
  SchemaValidEntityPolicy,
} from '@backstage/catalog-model';
import { NotFoundError } from '@backstage/errors';
import {
  Capability,
  ListResourcesQuery,
  PlatformResource,
  ResourcePage,
} from '@trellis/backstage-plugin-platform-common';
import {
  PlatformResourceChange,
  PlatformService,
} from '@trellis/backstage-plugin-platform-node';

export function capability(overrides: Partial<Capability> = {}): Capability {
  return {
    ref: 'local:postgresql',
    engine: 'local',
    name: 'postgresql',
    title: 'PostgreSQL database',
    description: 'A managed PostgreSQL database',
    version: '16.2.0',
    versions: ['15.0.0', '16.2.0'],
    inputSchema: {
      type: 'object',
      description: 'How the database is set up',
      required: ['size'],
      properties: {
        size: {
          type: 'string',
          title: 'Size',
          enum: ['small', 'medium', 'large'],
          default: 'small',
          description: 'Compute and storage',
        },
        replicas: { type: 'integer', minimum: 1, maximum: 5, default: 1 },
        backups: { type: 'boolean', default: true },
      },
      additionalProperties: false,
    },
    available: true,
    owner: 'group:default/data-team',
    tags: ['database', 'postgres'],
    links: [{ url: 'https://www.postgresql.org/docs/', title: 'Docs' }],
    ...overrides,
  };
}

let counter = 0;

export function resource(
  overrides: Partial<PlatformResource> = {},
): PlatformResource {
  counter += 1;
  const id =
    overrides.id ??
    `00000000-0000-4000-8000-${String(counter).padStart(12, '0')}`;
  return {
    id,
    capabilityRef: 'local:postgresql',
    name: `db-${counter}`,
    environment: 'dev',
    owner: 'group:default/team-a',
    requestedBy: 'user:default/alice',
    component: 'component:default/orders',
    spec: { size: 'small' },
    generation: 1,
    observedGeneration: 1,
    status: { phase: 'Ready', conditions: [] },
    outputs: { host: 'db.local' },
    appliedVersion: '16.2.0',
    engineRef: { id },
    createdAt: '2025-01-01T00:00:00.000Z',
    updatedAt: '2025-01-01T00:00:00.000Z',
    ...overrides,
  };
}

/**
 * A platform service over in-memory lists, with the paging of the real one
 * and a way to send change notifications.
 */
export class FakePlatformService {
  readonly capabilities: Capability[] = [];
  readonly resources = new Map<string, PlatformResource>();
  private readonly listeners = new Set<
    (change: PlatformResourceChange) => void
  >();

  readonly listCapabilities = jest.fn(async () => this.capabilities);

  readonly listResources = jest.fn(
    async (query: ListResourcesQuery): Promise<ResourcePage> => {
      let items = [...this.resources.values()];
      if (!query.includeDeleted) {
        items = items.filter(r => r.status.phase !== 'Deleted');
      }
      if (query.capabilityRef) {
        items = items.filter(r =>
          query.capabilityRef!.includes(r.capabilityRef),
        );
      }
      if (query.environment) {
        items = items.filter(r => query.environment!.includes(r.environment));
      }
      if (query.text) {
        items = items.filter(r => r.name.includes(query.text!));
      }
      const limit = query.limit ?? 50;
      const offset = query.cursor ? Number(query.cursor) : 0;
      const page = items.slice(offset, offset + limit);
      return {
        items: page,
        totalCount: items.length,
        nextCursor:
          offset + limit < items.length ? String(offset + limit) : undefined,
      };
    },
  );

  readonly getResource = jest.fn(async (id: string) => {
    const found = this.resources.get(id);
    if (!found) throw new NotFoundError(`No resource ${id}`);
    return found;
  });

  readonly subscribe = jest.fn(
    (listener: (change: PlatformResourceChange) => void) => {
      this.listeners.add(listener);
      return () => {
        this.listeners.delete(listener);
      };
    },
  );

  get subscriberCount() {
    return this.listeners.size;
  }

  add(...resources: PlatformResource[]) {
    for (const r of resources) this.resources.set(r.id, r);
  }

  /** Tells subscribers that a resource changed, as the platform does. */
  notify(resourceId: string) {
    for (const listener of this.listeners) listener({ resourceId });
  }

  asService(): PlatformService {
    return this as unknown as PlatformService;
  }
}

const policy = EntityPolicies.allOf([
  new SchemaValidEntityPolicy(),
  new DefaultNamespaceEntityPolicy(),
  new NoForeignRootFieldsEntityPolicy(),
  new FieldFormatEntityPolicy(),
]);

/** Throws when the catalog would reject the entity. */
export async function expectValidEntity(entity: Entity) {
  await expect(policy.enforce(entity)).resolves.toBeDefined();
  if (entity.kind === 'API') {
    await expect(apiEntityV1alpha1Validator.check(entity)).resolves.toBe(true);
  }
  if (entity.kind === 'Resource') {
    await expect(resourceEntityV1alpha1Validator.check(entity)).resolves.toBe(
      true,
    );
  }
}
