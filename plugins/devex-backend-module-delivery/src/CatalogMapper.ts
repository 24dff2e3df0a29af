import { AuthService } from '@backstage/backend-plugin-api';
import { Entity, stringifyEntityRef } from '@backstage/catalog-model';
import { CatalogService } from '@backstage/plugin-catalog-node';

const lower = (s: string) => s.toLocaleLowerCase('en-US');

/** The catalog annotations the mapping reads. */
export const DeliveryAnnotations = {
  githubProjectSlug: 'github.com/project-slug',
  gitlabProjectSlug: 'gitlab.com/project-slug',
  /** The GitLab host of a component's project (self-managed GitLab). */
  gitlabInstance: 'gitlab.com/instance',
  sourceLocation: 'backstage.io/source-location',
  githubUserLogin: 'github.com/user-login',
  gitlabUserLogin: 'gitlab.com/user-login',
  pagerdutyServiceId: 'pagerduty.com/service-id',
} as const;

/** A GitLab project a component claims: its path and where it may live. */
export interface GitlabProject {
  /** `gitlab.com/project-slug`: the path with namespace, `group/sub/project`. */
  path: string;
  /** `gitlab.com/instance`: the host the project lives on, when named. */
  host?: string;
  /** The host of a `url:` source location (may be another SCM's). */
  sourceHost?: string;
}

/** `gitlab.example.com` from a host or a URL (`https://gitlab.example.com/...`). */
function hostOf(value: string | undefined): string | undefined {
  if (!value) return undefined;
  try {
    return new URL(value.includes('://') ? value : `https://${value}`).host;
  } catch {
    return undefined;
  }
}

interface Maps {
  /** `<provider>:<repo, lower case>` → component ref. */
  repos: Map<string, string>;
  /** The GitHub repos as annotated (for the backfill). */
  githubRepos: string[];
  /** The GitLab projects as annotated, with their host when one is named. */
  gitlabProjects: GitlabProject[];
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

  /**
   * Every GitLab project a component claims, read afresh: one per host and
   * path (compared case-insensitively, as GitLab does).
   */
  async gitlabProjects(): Promise<GitlabProject[]> {
    const byKey = new Map<string, GitlabProject>();
    for (const project of (await this.#load()).gitlabProjects) {
      const key = lower(
        `${project.host ?? project.sourceHost} ${project.path}`,
      );
      if (!byKey.has(key)) byKey.set(key, project);
    }
    return [...byKey.values()].sort((a, b) => a.path.localeCompare(b.path));
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
    let maps = this.#maps;
    if (!maps || age > ttl) {
      try {
        maps = await this.#load();
      } catch (error) {
        // A refresh that fails: the maps read before beat none (a lookup
        // with none throws, and its delivery waits for the retry).
        if (!maps) throw error;
      }
    }
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
      gitlabProjects: [],
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
      if (gitlab) {
        maps.repos.set(`gitlab:${lower(gitlab)}`, ref);
        const location = annotation(entity, DeliveryAnnotations.sourceLocation);
        maps.gitlabProjects.push({
          path: gitlab,
          host: hostOf(annotation(entity, DeliveryAnnotations.gitlabInstance)),
          sourceHost: location?.startsWith('url:')
            ? hostOf(location.slice(4))
            : undefined,
        });
      }
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
