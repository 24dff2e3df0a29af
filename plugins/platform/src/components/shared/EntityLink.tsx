import { Link as RouterLink } from 'react-router-dom';
import { parseEntityRef } from '@backstage/catalog-model';
import { useRouteRef } from '@backstage/core-plugin-api';
import {
  entityRouteParams,
  entityRouteRef,
} from '@backstage/plugin-catalog-react';
import Link from '@mui/material/Link';
import { shortEntityRef } from './format';

/**
 * The catalog's entity page route, or undefined in an app without the
 * catalog plugin. useRouteRef throws for unbound routes after running all of
 * its hooks, so catching keeps the hook order stable.
 */
function useEntityRoute() {
  try {
    return useRouteRef(entityRouteRef);
  } catch {
    return undefined;
  }
}

/**
 * Principals that are not catalog entities: Backstage plugins acting with
 * their own credentials (`plugin:platform`, e.g. the demo estate) and
 * service principals from external access (`external:<subject>`, e.g. an
 * agent's static token).
 */
const NON_ENTITY_PRINCIPALS: Record<string, string> = {
  plugin: 'Backstage plugin',
  external: 'service principal',
};

/**
 * A link to a catalog entity showing its short name. It does not look the
 * entity up (tables list many), and is plain text without a catalog, or for
 * a principal that is not an entity.
 */
export const EntityLink = (props: {
  entityRef: string | undefined;
  defaultKind?: string;
}) => {
  const { entityRef, defaultKind } = props;
  const entityRoute = useEntityRoute();
  if (!entityRef) return <>—</>;
  let parsed;
  try {
    parsed = parseEntityRef(entityRef, {
      defaultKind,
      defaultNamespace: 'default',
    });
  } catch {
    return <>{entityRef}</>;
  }
  const principal =
    NON_ENTITY_PRINCIPALS[parsed.kind.toLocaleLowerCase('en-US')];
  if (principal) return <>{`${parsed.name} (${principal})`}</>;
  const text = shortEntityRef(entityRef);
  if (!entityRoute) return <>{text}</>;
  return (
    <Link
      component={RouterLink}
      to={entityRoute(entityRouteParams(parsed, { encodeParams: true }))}
    >
      {text}
    </Link>
  );
};
