import { parseEntityRef, stringifyEntityRef } from '@backstage/catalog-model';
import {
  isResourcePhase,
  ListResourcesQuery,
  ResourcePhase,
  ResourceSortField,
} from '@trellis/backstage-plugin-platform-common';

/** The inventory's state, as kept in the URL query string. */
export interface InventoryFilters {
  capability: string[];
  phase: ResourcePhase[];
  owner: string;
  environment: string;
  component: string[];
  text: string;
  orderBy: ResourceSortField;
  order: 'asc' | 'desc';
  limit: number;
}

export const PAGE_SIZES = [25, 50, 100];
const SORT_FIELDS: ResourceSortField[] = [
  'name',
  'createdAt',
  'updatedAt',
  'phase',
];

/** Dates sort newest first, names and phases A to Z. */
export const DEFAULT_ORDER: Record<ResourceSortField, 'asc' | 'desc'> = {
  name: 'asc',
  phase: 'asc',
  createdAt: 'desc',
  updatedAt: 'desc',
};

/** Keys of filters (not sorting or paging), for "is anything filtered". */
const FILTER_KEYS = [
  'capability',
  'phase',
  'owner',
  'environment',
  'component',
  'q',
];

export function readFilters(params: URLSearchParams): InventoryFilters {
  const sort = params.get('sort') as ResourceSortField | null;
  const orderBy = sort && SORT_FIELDS.includes(sort) ? sort : 'updatedAt';
  const order = params.get('order');
  const size = Number(params.get('size'));
  return {
    capability: params.getAll('capability'),
    phase: params.getAll('phase').filter(isResourcePhase),
    owner: params.get('owner') ?? '',
    environment: params.get('environment') ?? '',
    component: params.getAll('component'),
    text: params.get('q') ?? '',
    orderBy,
    order: order === 'asc' || order === 'desc' ? order : DEFAULT_ORDER[orderBy],
    limit: PAGE_SIZES.includes(size) ? size : 50,
  };
}

export function hasFilters(params: URLSearchParams): boolean {
  return FILTER_KEYS.some(key => params.getAll(key).some(Boolean));
}

/** Returns a copy of `params` with `key` set to `values` (removed when empty). */
export function withParam(
  params: URLSearchParams,
  key: string,
  values: string | string[],
): URLSearchParams {
  const next = new URLSearchParams(params);
  next.delete(key);
  for (const value of Array.isArray(values) ? values : [values]) {
    if (value) next.append(key, value);
  }
  return next;
}

/** Owners may be typed short ("team-a"); the API wants full refs. */
export function normalizeOwner(owner: string): string | undefined {
  const trimmed = owner.trim();
  if (!trimmed) return undefined;
  try {
    return stringifyEntityRef(
      parseEntityRef(trimmed, {
        defaultKind: 'group',
        defaultNamespace: 'default',
      }),
    );
  } catch {
    return trimmed;
  }
}

export function toQuery(filters: InventoryFilters): ListResourcesQuery {
  const owner = normalizeOwner(filters.owner);
  const environment = filters.environment.trim();
  const text = filters.text.trim();
  return {
    capabilityRef: filters.capability.length ? filters.capability : undefined,
    phase: filters.phase.length ? filters.phase : undefined,
    owner: owner ? [owner] : undefined,
    environment: environment ? [environment] : undefined,
    component: filters.component.length ? filters.component : undefined,
    text: text || undefined,
    orderBy: filters.orderBy,
    order: filters.order,
    limit: filters.limit,
  };
}
