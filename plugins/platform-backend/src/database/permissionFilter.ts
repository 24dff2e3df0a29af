import { PermissionCriteria } from '@backstage/plugin-permission-common';
import {
  isAndCriteria,
  isNotCriteria,
  isOrCriteria,
} from '@backstage/plugin-permission-node';
import { PlatformResourceFilter } from '@trellis/backstage-plugin-platform-node';
import { Knex } from 'knex';

/** Columns behind the permission rules' filter fields. */
const FILTER_COLUMNS: Record<PlatformResourceFilter['field'], string> = {
  owner: 'owner',
  environment: 'environment',
  capabilityRef: 'capability_ref',
};

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
