#!/usr/bin/env node
/**
 * The Strapi instance the browser tests run against: the built admin (`strapi start`), a fresh
 * SQLite database, fresh secrets. Playwright starts it (playwright.config.ts) and stops it.
 */
const fs = require('fs');
const path = require('path');
const { spawn } = require('child_process');
const { strapiCli } = require('./lib/strapi-cli');
const { freshSecrets } = require('./lib/secrets');

const appDir = path.resolve(__dirname, '..');
const database = path.join('.tmp', 'e2e', 'data.db');
fs.rmSync(path.join(appDir, '.tmp', 'e2e'), { recursive: true, force: true });
fs.mkdirSync(path.join(appDir, '.tmp', 'e2e'), { recursive: true });

const child = spawn(process.execPath, [strapiCli(), 'start'], {
  cwd: appDir,
  stdio: 'inherit',
  env: {
    ...process.env,
    NODE_ENV: 'production',
    HOST: '127.0.0.1',
    PORT: process.env.E2E_PORT ?? '1339',
    DATABASE_CLIENT: 'sqlite',
    DATABASE_FILENAME: database,
    MESSAGE_OUTBOX_DIR: path.join('.tmp', 'e2e', 'outbox'),
    ...freshSecrets(),
    LOG_LEVEL: 'warn',
  },
});
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
child.on('exit', (code) => process.exit(code ?? 0));
