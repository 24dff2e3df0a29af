import { useRouteRef } from '@backstage/core-plugin-api';
import { parseCapabilityRef } from '@trellis/backstage-plugin-platform-common';
import {
  capabilityRouteRef,
  requestTemplateRouteRef,
  resourceRouteRef,
  resourcesRouteRef,
} from '../../routes';

/**
 * Name of the scaffolder Template the catalog provider generates for a
 * capability: `request-<engine>-<name>`, dots as dashes, lower case (see
 * catalog-backend-module-platform).
 */
export function capabilityTemplateName(capabilityRef: string): string {
  const parsed = parseCapabilityRef(capabilityRef);
  const engine = parsed?.engine ?? '';
  const name = parsed?.name ?? capabilityRef;
  return ['request', engine, name.replace(/\./g, '-')]
    .filter(Boolean)
    .join('-')
    .toLocaleLowerCase('en-US');
}

/** Link to a capability's page. */
export function useCapabilityLink(): (capabilityRef: string) => string {
  const link = useRouteRef(capabilityRouteRef);
  return capabilityRef => link({ ref: capabilityRef });
}

/** Link to a resource's page. */
export function useResourceLink(): (id: string) => string {
  const link = useRouteRef(resourceRouteRef);
  return id => link({ id });
}

/** Link to the inventory with filters, e.g. `{ capability: 'local:x' }`. */
export function useInventoryLink(): (
  filters?: Record<string, string>,
) => string {
  const link = useRouteRef(resourcesRouteRef);
  return filters => {
    const query = new URLSearchParams(filters).toString();
    return query ? `${link()}?${query}` : link();
  };
}

/**
 * Link to the golden path that requests a capability: the scaffolder route
 * when the app binds it, else the scaffolder's default path.
 */
export function useRequestLink(): (capabilityRef: string) => string {
  const scaffolderTemplate = useRouteRef(requestTemplateRouteRef);
  return capabilityRef => {
    const templateName = capabilityTemplateName(capabilityRef);
    return scaffolderTemplate
      ? scaffolderTemplate({ namespace: 'default', templateName })
      : `/create/templates/default/${templateName}`;
  };
}
