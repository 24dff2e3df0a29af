/*
 * A bench-only Backstage backend with RHDH Adoption Insights' backend
 * plugin, installed by setup.sh from npm outside the repo's workspaces. It
 * gets its whole config as JSON in RHDH_BENCH_CONFIG (from compare.ts):
 * listen address, the PostgreSQL connection and prefix, guest sign-in (the
 * same way the Trellis bench backend signs its user in), and the plugin's
 * own queue settings (app.analytics.adoptionInsights.maxBufferSize and
 * flushInterval).
 */
const { createBackend } = require('@backstage/backend-defaults');
const {
  coreServices,
  createServiceFactory,
} = require('@backstage/backend-plugin-api');
const { ConfigReader } = require('@backstage/config');

const config = JSON.parse(process.env.RHDH_BENCH_CONFIG);
const backend = createBackend();
backend.add(
  createServiceFactory({
    service: coreServices.rootConfig,
    deps: {},
    factory: () => new ConfigReader(config, 'rhdh-bench'),
  }),
);
// `.default`: a bare module object makes backend.start() wait forever.
backend.add(require('@backstage/plugin-auth-backend').default);
backend.add(
  require('@backstage/plugin-auth-backend-module-guest-provider').default,
);
backend.add(
  require('@red-hat-developer-hub/backstage-plugin-adoption-insights-backend')
    .default,
);
backend.start().catch(error => {
  console.error(error);
  process.exit(1);
});
process.on('SIGTERM', () => {
  backend.stop().finally(() => process.exit(0));
});
