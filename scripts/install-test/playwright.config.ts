import { defineConfig } from '@playwright/test';

/**
 * The install test's browser check, against a fresh create-app app with
 * Trellis installed from packages (see scripts/install-test/run).
 */
export default defineConfig({
  testDir: '.',
  testMatch: ['fresh-app.test.ts'],
  timeout: 180_000,
  expect: { timeout: 30_000 },
  retries: 0,
  workers: 1,
  outputDir: '../../node_modules/.cache/install-test-results',
  use: {
    baseURL: process.env.INSTALL_TEST_URL,
    screenshot: 'only-on-failure',
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    },
  },
});
