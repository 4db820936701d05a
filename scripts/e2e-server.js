#!/usr/bin/env node
/**
 * The Strapi instance the browser tests run against: the built admin (`strapi start`), a fresh
 * SQLite database, fresh secrets. Playwright starts it (playwright.config.ts) and stops it.
 */
const fs = require('fs');
const path = require('path');
const { randomBytes } = require('crypto');
const { spawn } = require('child_process');
const { strapiCli } = require('./lib/strapi-cli');

const appDir = path.resolve(__dirname, '..');
const database = path.join('.tmp', 'e2e', 'data.db');
fs.rmSync(path.join(appDir, '.tmp', 'e2e'), { recursive: true, force: true });
fs.mkdirSync(path.join(appDir, '.tmp', 'e2e'), { recursive: true });

const secret = () => randomBytes(16).toString('base64');
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
    APP_KEYS: `${secret()},${secret()}`,
    ADMIN_JWT_SECRET: secret(),
    API_TOKEN_SALT: secret(),
    TRANSFER_TOKEN_SALT: secret(),
    ENCRYPTION_KEY: secret(),
    JWT_SECRET: secret(),
    LOG_LEVEL: 'warn',
  },
});
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
child.on('exit', (code) => process.exit(code ?? 0));
