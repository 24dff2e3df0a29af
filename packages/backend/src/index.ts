import { permissionModuleTrellisPolicy } from './permissions/module';
import { createBackend } from '@backstage/backend-defaults';

const backend = createBackend();

backend.add(import('@backstage/plugin-app-backend'));
backend.add(import('@backstage/plugin-proxy-backend'));

// scaffolder plugin
backend.add(import('@backstage/plugin-scaffolder-backend'));
backend.add(import('@backstage/plugin-scaffolder-backend-module-github'));
backend.add(
  import('@backstage/plugin-scaffolder-backend-module-notifications'),
);

// techdocs plugin
backend.add(import('@backstage/plugin-techdocs-backend'));

// auth plugin
backend.add(import('@backstage/plugin-auth-backend'));
// See https://backstage.io/docs/backend-system/building-backends/migrating#the-auth-plugin
backend.add(import('@backstage/plugin-auth-backend-module-guest-provider'));
// See https://backstage.io/docs/auth/guest/provider
// GitHub sign-in, used once auth.providers.github is configured
// (app-config.production.yaml); without that config the provider is not mounted.
backend.add(import('@backstage/plugin-auth-backend-module-github-provider'));

// catalog plugin
backend.add(import('@backstage/plugin-catalog-backend'));
backend.add(
  import('@backstage/plugin-catalog-backend-module-scaffolder-entity-model'),
);

// See https://backstage.io/docs/features/software-catalog/configuration#subscribing-to-catalog-errors
backend.add(import('@backstage/plugin-catalog-backend-module-logs'));

// permission plugin
backend.add(import('@backstage/plugin-permission-backend'));
// Trellis's default policy: everyone reads, owners manage their resources,
// production changes and rollouts need the platform team.
backend.add(permissionModuleTrellisPolicy);

// search plugin
backend.add(import('@backstage/plugin-search-backend'));

// search engine
// See https://backstage.io/docs/features/search/search-engines
backend.add(import('@backstage/plugin-search-backend-module-pg'));

// search collators
backend.add(import('@backstage/plugin-search-backend-module-catalog'));
backend.add(import('@backstage/plugin-search-backend-module-techdocs'));

// kubernetes plugin
backend.add(import('@backstage/plugin-kubernetes-backend'));

// user settings plugin
backend.add(import('@backstage/plugin-user-settings-backend'));

// notifications and signals plugins
backend.add(import('@backstage/plugin-notifications-backend'));
backend.add(import('@backstage/plugin-signals-backend'));

// mcp actions plugin
backend.add(import('@backstage/plugin-mcp-actions-backend'));

// Trellis: the platform API, its engines, and the scaffolder and catalog modules
backend.add(import('@trellis/backstage-plugin-platform-backend'));
backend.add(import('@trellis/backstage-plugin-platform-backend-module-local'));
backend.add(
  import('@trellis/backstage-plugin-platform-backend-module-kubernetes'),
);
backend.add(
  import('@trellis/backstage-plugin-scaffolder-backend-module-platform'),
);
backend.add(
  import('@trellis/backstage-plugin-catalog-backend-module-platform'),
);

// Trellis: DevEx metrics (fact store, sources, metrics API)
backend.add(import('@trellis/backstage-plugin-devex-backend'));

// events plugin: webhooks at /api/events/http/<topic> (events.http.topics),
// GitHub's and GitLab's checked and split by event type by their modules
backend.add(import('@backstage/plugin-events-backend'));
backend.add(import('@backstage/plugin-events-backend-module-github'));
backend.add(import('@backstage/plugin-events-backend-module-gitlab'));
// Trellis: DevEx delivery events (pull requests, deployments, incidents) from
// those webhooks and PagerDuty's (/api/events/http/pagerduty)
backend.add(import('@trellis/backstage-plugin-devex-backend-module-delivery'));

backend.start();
