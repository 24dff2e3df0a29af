import { stringifyEntityRef } from '@backstage/catalog-model';
import { useApi } from '@backstage/core-plugin-api';
import { useEntity } from '@backstage/plugin-catalog-react';
import { entitySignalChannel } from '@trellis/backstage-plugin-platform-common';
import { platformApiRef } from '../../api';
import { useKeptAsync } from '../../hooks/useKeptAsync';
import { useRefreshable } from '../../hooks/useRefreshable';
import { useSignalChannels } from '../../hooks/useSignalChannels';

/** At most this many on an entity page; the inventory has the rest. */
export const ENTITY_RESOURCE_LIMIT = 100;

/**
 * The resources of the entity on screen, fetched again whenever the
 * platform signals a change to any of them (a signal during a read keeps
 * that read's answer and queues one more read; see useRefreshable).
 */
export function useEntityResources() {
  const api = useApi(platformApiRef);
  const { entity } = useEntity();
  const entityRef = stringifyEntityRef(entity);
  const page = useRefreshable(
    () =>
      api.listResources({
        component: [entityRef],
        limit: ENTITY_RESOURCE_LIMIT,
        orderBy: 'name',
        order: 'asc',
      }),
    [api, entityRef],
    entityRef,
  );
  const isSignalsAvailable = useSignalChannels(
    [entitySignalChannel(entityRef)],
    page.refresh,
  );
  const capabilities = useKeptAsync(
    () => api.listCapabilities(),
    [api],
    'capabilities',
  );
  const titles = new Map(
    (capabilities.value ?? []).map(c => [c.ref, c.title] as [string, string]),
  );
  return { entityRef, page, titles, live: isSignalsAvailable };
}
