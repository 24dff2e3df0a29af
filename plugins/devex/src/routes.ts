import { createRouteRef, createSubRouteRef } from '@backstage/core-plugin-api';

/** The DevEx page, mounted at `/devex` by default. @public */
export const rootRouteRef = createRouteRef({ id: 'devex' });

/** The adoption tab. @public */
export const adoptionRouteRef = createSubRouteRef({
  id: 'devex/adoption',
  parent: rootRouteRef,
  path: '/adoption',
});

/** The golden paths tab. @public */
export const goldenPathsRouteRef = createSubRouteRef({
  id: 'devex/golden-paths',
  parent: rootRouteRef,
  path: '/golden-paths',
});

/** The delivery (DORA) tab. @public */
export const deliveryRouteRef = createSubRouteRef({
  id: 'devex/delivery',
  parent: rootRouteRef,
  path: '/delivery',
});

/** One team's figures from every tab. @public */
export const teamRouteRef = createSubRouteRef({
  id: 'devex/team',
  parent: rootRouteRef,
  path: '/team',
});

/** The platform service levels tab. @public */
export const serviceLevelsRouteRef = createSubRouteRef({
  id: 'devex/service-levels',
  parent: rootRouteRef,
  path: '/service-levels',
});
