import { defineConfig } from '@playwright/test';

const baseURL = `http://127.0.0.1:${process.env.E2E_PORT ?? '1339'}`;

/** Browser tests: Debian's Chromium (never a downloaded browser) against the built admin panel. */
export default defineConfig({
  testDir: 'tests/e2e',
  timeout: 60_000,
  workers: 1,
  reporter: [['list']],
  outputDir: '.tmp/e2e/results',
  use: {
    baseURL,
    screenshot: 'only-on-failure',
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      // Without these, Chromium tries to reach Google's services, which this network refuses.
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    },
  },
  webServer: {
    command: 'node --import tsx scripts/e2e-server.ts',
    url: `${baseURL}/_health`,
    timeout: 180_000,
    reuseExistingServer: false,
  },
});
