import { AuthService } from '@backstage/backend-plugin-api';
import { Entity, stringifyEntityRef } from '@backstage/catalog-model';
import { CatalogService } from '@backstage/plugin-catalog-node';

const lower = (s: string) => s.toLocaleLowerCase('en-US');

/** The catalog annotations the mapping reads. */
export const DeliveryAnnotations = {
  githubProjectSlug: 'github.com/project-slug',
  gitlabProjectSlug: 'gitlab.com/project-slug',
  githubUserLogin: 'github.com/user-login',
  gitlabUserLogin: 'gitlab.com/user-login',
  pagerdutyServiceId: 'pagerduty.com/service-id',
} as const;

interface Maps {
  /** `<provider>:<repo, lower case>` → component ref. */
  repos: Map<string, string>;
  /** The GitHub repos as annotated (for the backfill). */
  githubRepos: string[];
  users: Map<string, string>;
  services: Map<string, string>;
}

/**
 * Repo → component, SCM login → user and PagerDuty service → component, read
 * from the catalog with the module's own credentials. The maps are kept for
 * `ttlMs` and read again sooner (at most every `missRefreshMs`) when a name is
 * missing, so a newly registered component is found within seconds.
 */
export class CatalogMapper {
  #maps?: Maps;
  #loadedAt = 0;
  #loading?: Promise<Maps>;

  constructor(
    private readonly catalog: CatalogService,
    private readonly auth: AuthService,
    private readonly options: { ttlMs?: number; missRefreshMs?: number } = {},
  ) {}

  async component(provider: 'github' | 'gitlab', repo: string) {
    return this.#lookup(m => m.repos.get(`${provider}:${lower(repo)}`));
  }

  async user(provider: 'github' | 'gitlab', login: string) {
    return this.#lookup(m => m.users.get(`${provider}:${lower(login)}`));
  }

  /** Every GitHub repo a component claims, read afresh. */
  async githubRepos(): Promise<string[]> {
    return [...new Set((await this.#load()).githubRepos)].sort();
  }

  async pagerdutyService(serviceId: string) {
    return this.#lookup(m => m.services.get(serviceId));
  }

  async #lookup(
    get: (maps: Maps) => string | undefined,
  ): Promise<string | undefined> {
    const ttl = this.options.ttlMs ?? 5 * 60_000;
    const missRefresh = this.options.missRefreshMs ?? 10_000;
    const age = Date.now() - this.#loadedAt;
    let maps = !this.#maps || age > ttl ? await this.#load() : this.#maps;
    const found = get(maps);
    if (found || Date.now() - this.#loadedAt < missRefresh) return found;
    maps = await this.#load();
    return get(maps);
  }

  async #load(): Promise<Maps> {
    if (!this.#loading) {
      this.#loading = this.#read().finally(() => {
        this.#loading = undefined;
      });
    }
    return this.#loading;
  }

  async #read(): Promise<Maps> {
    const credentials = await this.auth.getOwnServiceCredentials();
    const fields = [
      'kind',
      'metadata.namespace',
      'metadata.name',
      'metadata.annotations',
    ];
    const [components, users] = await Promise.all([
      this.catalog.getEntities(
        { filter: { kind: 'Component' }, fields },
        { credentials },
      ),
      this.catalog.getEntities(
        { filter: { kind: 'User' }, fields },
        { credentials },
      ),
    ]);
    const maps: Maps = {
      repos: new Map(),
      githubRepos: [],
      users: new Map(),
      services: new Map(),
    };
    const annotation = (e: Entity, key: string) => {
      const value = e.metadata.annotations?.[key];
      return typeof value === 'string' && value.trim()
        ? value.trim()
        : undefined;
    };
    for (const entity of components.items) {
      const ref = lower(stringifyEntityRef(entity));
      const github = annotation(entity, DeliveryAnnotations.githubProjectSlug);
      const gitlab = annotation(entity, DeliveryAnnotations.gitlabProjectSlug);
      const service = annotation(
        entity,
        DeliveryAnnotations.pagerdutyServiceId,
      );
      if (github) {
        maps.repos.set(`github:${lower(github)}`, ref);
        maps.githubRepos.push(github);
      }
      if (gitlab) maps.repos.set(`gitlab:${lower(gitlab)}`, ref);
      if (service) maps.services.set(service, ref);
    }
    for (const entity of users.items) {
      const ref = lower(stringifyEntityRef(entity));
      const github = annotation(entity, DeliveryAnnotations.githubUserLogin);
      const gitlab = annotation(entity, DeliveryAnnotations.gitlabUserLogin);
      if (github) maps.users.set(`github:${lower(github)}`, ref);
      if (gitlab) maps.users.set(`gitlab:${lower(gitlab)}`, ref);
    }
    this.#maps = maps;
    this.#loadedAt = Date.now();
    return maps;
  }
}
