import {
  PlatformResource,
  ListResourcesQuery,
} from '@trellis/backstage-plugin-platform-common';
import { CliContext } from './context';
import { CliError, EXIT } from './exitCodes';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Narrows a name lookup when a name exists in several places. */
export interface LookupFilters {
  capability?: string;
  environment?: string;
}

/** Every live resource whose name is exactly `name` (all pages). */
export async function findByName(
  ctx: CliContext,
  name: string,
  filters: LookupFilters & { includeDeleted?: boolean },
): Promise<PlatformResource[]> {
  const found: PlatformResource[] = [];
  let cursor: string | undefined;
  do {
    const query: ListResourcesQuery = {
      text: name,
      limit: 500,
      cursor,
      capabilityRef: filters.capability ? [filters.capability] : undefined,
      environment: filters.environment ? [filters.environment] : undefined,
      includeDeleted: filters.includeDeleted || undefined,
    };
    const page = await ctx.client.listResources(query, ctx.call());
    found.push(...page.items.filter(item => item.name === name));
    cursor = page.nextCursor;
  } while (cursor);
  return found;
}

/**
 * The resource a command names: by id (a UUID), or by name, narrowed by
 * capability and environment when the name is used more than once.
 */
export async function resolveResource(
  ctx: CliContext,
  idOrName: string,
  filters: LookupFilters = {},
): Promise<PlatformResource> {
  if (UUID.test(idOrName)) {
    return ctx.client.getResource(idOrName, ctx.call());
  }
  const matches = await findByName(ctx, idOrName, filters);
  if (matches.length === 0) {
    const where = [
      filters.capability && `capability ${filters.capability}`,
      filters.environment && `environment ${filters.environment}`,
    ]
      .filter(Boolean)
      .join(', ');
    throw new CliError(
      `No resource named ${idOrName}${
        where ? ` (${where})` : ''
      } that you may read`,
      EXIT.notFound,
    );
  }
  if (matches.length > 1) {
    const lines = matches.map(
      m => `  ${m.id}  ${m.capabilityRef}  ${m.environment}`,
    );
    throw new CliError(
      [
        `${matches.length} resources are named ${idOrName}; give the id, or narrow with --capability and --environment:`,
        ...lines,
      ].join('\n'),
      EXIT.usage,
    );
  }
  return matches[0];
}
