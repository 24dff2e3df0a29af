import { DevexSourceStatus } from '@trellis/backstage-plugin-devex-common';
import { DevexSource } from '@trellis/backstage-plugin-devex-node';

const SOURCE_ID = /^[a-z][a-z0-9-]{0,49}$/;

/** What the status of a source is made of, registered or built in. */
export interface SourceDescriptor {
  id: string;
  title: string;
  kinds: string[];
  howToConnect: string;
}

/**
 * Sources built into the plugin: the frontend analytics endpoint and the
 * facts API. Their ids are reserved.
 */
export const BUILT_IN_SOURCES: SourceDescriptor[] = [
  {
    id: 'analytics',
    title: 'Frontend analytics',
    kinds: ['activity'],
    howToConnect:
      'Install the DevEx analytics implementation in the app (see the @trellis/backstage-plugin-devex README): it sends page views and actions to POST /api/devex/analytics.',
  },
  {
    id: 'api',
    title: 'Facts API',
    kinds: [],
    howToConnect:
      'External systems send facts to POST /api/devex/facts with a service token (see docs/devex.md).',
  },
];

/** The sources registered through the devex-node extension point. */
export class SourceRegistry {
  readonly #sources = new Map<string, DevexSource>();
  #locked = false;

  add(source: DevexSource): void {
    if (this.#locked) {
      throw new Error(
        `Cannot add devex source '${source?.id}': the devex plugin has started`,
      );
    }
    if (
      !source ||
      typeof source.id !== 'string' ||
      !SOURCE_ID.test(source.id)
    ) {
      throw new Error(
        `A devex source id must be lower-case letters, digits and dashes (got '${source?.id}')`,
      );
    }
    if (typeof source.start !== 'function') {
      throw new Error(`The devex source '${source.id}' has no start function`);
    }
    if (!source.title || !Array.isArray(source.kinds) || !source.howToConnect) {
      throw new Error(
        `The devex source '${source.id}' needs a title, its kinds and howToConnect`,
      );
    }
    if (
      BUILT_IN_SOURCES.some(s => s.id === source.id) ||
      this.#sources.has(source.id)
    ) {
      throw new Error(
        `A devex source with the id '${source.id}' is already registered`,
      );
    }
    this.#sources.set(source.id, source);
  }

  lock(): void {
    this.#locked = true;
  }

  list(): DevexSource[] {
    return [...this.#sources.values()];
  }

  descriptors(): SourceDescriptor[] {
    return [
      ...BUILT_IN_SOURCES,
      ...this.list().map(s => ({
        id: s.id,
        title: s.title,
        kinds: [...s.kinds],
        howToConnect: s.howToConnect,
      })),
    ];
  }
}

/**
 * The status of every source relevant to `kinds` (a kind ending in `.` is a
 * prefix): registered and built-in sources that write them, and any other
 * source that has delivered them.
 */
export function sourceStatuses(
  descriptors: SourceDescriptor[],
  stats: { source: string; kind: string; facts: number; lastFactAt: string }[],
  kinds?: string[],
): DevexSourceStatus[] {
  const relevant = (kind: string) =>
    !kinds ||
    kinds.some(k => (k.endsWith('.') ? kind.startsWith(k) : kind === k));
  const byId = new Map<string, DevexSourceStatus>();
  for (const d of descriptors) {
    if (kinds && !d.kinds.some(relevant)) continue;
    byId.set(d.id, {
      id: d.id,
      title: d.title,
      facts: 0,
      howToConnect: d.howToConnect,
    });
  }
  for (const s of stats) {
    if (!relevant(s.kind)) continue;
    const status =
      byId.get(s.source) ??
      ({
        id: s.source,
        title: descriptors.find(d => d.id === s.source)?.title ?? s.source,
        facts: 0,
        howToConnect:
          descriptors.find(d => d.id === s.source)?.howToConnect ??
          'Delivered through the devex facts sink.',
      } as DevexSourceStatus);
    status.facts += s.facts;
    if (!status.lastFactAt || s.lastFactAt > status.lastFactAt) {
      status.lastFactAt = s.lastFactAt;
    }
    byId.set(s.source, status);
  }
  return [...byId.values()].sort((a, b) => a.id.localeCompare(b.id));
}
