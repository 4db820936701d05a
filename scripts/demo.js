'use strict';

/**
 * `npm run demo`: a running Strapi with demo data, from a fresh clone.
 *   1. writes .env with fresh secrets if there is none;
 *   2. compiles the app, seeds the demo data (idempotently) and a demo super admin;
 *   3. builds the admin panel if it is missing or stale, then runs `strapi start` in the foreground.
 * `npm run demo -- --seed-only` stops after step 2.
 */

const path = require('path');
const http = require('http');
const { spawn } = require('child_process');
const { ensureEnvFile, loadEnvFile } = require('./lib/env-file');
const { demoAdminCredentials, ensureDemoAdmin } = require('./lib/admin-user');
const { adminBuildIsStale } = require('./lib/admin-build');
const { seedDemoData } = require('./lib/seed');

const APP_DIR = path.resolve(__dirname, '..');
const log = (message) => console.log(`[demo] ${message}`);
const seconds = (since) => `${((Date.now() - since) / 1000).toFixed(1)} s`;

async function timed(label, work) {
  const startedAt = Date.now();
  const result = await work();
  log(`${label} took ${seconds(startedAt)}`);
  return result;
}

/** Compiles and loads Strapi in this process (no HTTP server), seeds, and shuts it down again. */
async function seed(admin) {
  // Only warnings while seeding, and no queue worker running: this instance only writes data.
  process.env.LOG_LEVEL = process.env.LOG_LEVEL || 'warn';
  process.env.MESSAGE_RUNS_CRON = 'false';
  const { compileStrapi, createStrapi } = require('@strapi/strapi');
  const appContext = await timed('compiling', () => compileStrapi());
  const strapi = await timed('loading Strapi', () => createStrapi(appContext).load());
  try {
    const created = await timed('seeding', () => seedDemoData(strapi, { log }));
    const total = Object.values(created).reduce((sum, count) => sum + count, 0);
    log(total ? `seeded ${total} new records` : 'demo data already complete: nothing new');
    const adminCreated = await ensureDemoAdmin(strapi, admin);
    log(adminCreated ? `admin user ${admin.email} created` : `admin user ${admin.email} already exists (password unchanged)`);
  } finally {
    await strapi.destroy();
  }
}

/** Runs `npx strapi <command>` with the given env, resolving with its exit code. */
function runStrapi(command, env, { onChild } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn('npx', ['strapi', command], { cwd: APP_DIR, env, stdio: 'inherit', shell: process.platform === 'win32' });
    onChild?.(child);
    child.on('error', reject);
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
}

/** Resolves once GET /_health answers 204 (Strapi is listening); gives up when `isRunning` turns false. */
function waitForHealth(port, isRunning) {
  return new Promise((resolve) => {
    const probe = () => {
      if (!isRunning()) return resolve(false);
      const request = http.get({ host: '127.0.0.1', port, path: '/_health' }, (response) => {
        response.resume();
        if (response.statusCode === 204) resolve(true);
        else setTimeout(probe, 500);
      });
      request.on('error', () => setTimeout(probe, 500));
    };
    probe();
  });
}

function printLogin(admin) {
  const port = process.env.PORT || 1337;
  log(`admin panel: http://localhost:${port}/admin`);
  log(`log in as:   ${admin.email} / ${admin.password}`);
}

/** `strapi start` in the foreground; Ctrl+C or a SIGTERM to this process stops it too. */
async function start(env, admin) {
  const startedAt = Date.now();
  let child;
  let running = true;
  const forward = (signal) => child?.kill(signal);
  process.on('SIGINT', forward);
  process.on('SIGTERM', forward);
  const exited = runStrapi('start', env, { onChild: (spawned) => (child = spawned) }).finally(() => (running = false));
  if (await waitForHealth(process.env.PORT || 1337, () => running)) {
    log(`Strapi is listening (started in ${seconds(startedAt)}). Press Ctrl+C to stop.`);
    printLogin(admin);
  }
  return exited;
}

async function main() {
  const seedOnly = process.argv.includes('--seed-only');
  process.chdir(APP_DIR);
  log(ensureEnvFile(APP_DIR) ? 'created .env with fresh secrets' : 'using the existing .env');
  loadEnvFile(APP_DIR);
  // The Strapi processes started later get the environment as it is now, without the seeding tweaks.
  const env = { ...process.env };
  const admin = demoAdminCredentials();

  await seed(admin);
  if (seedOnly) {
    printLogin(admin);
    return 0;
  }
  if (adminBuildIsStale(APP_DIR)) {
    const code = await timed('building the admin panel', () => runStrapi('build', env));
    if (code !== 0) return code;
  } else {
    log('admin panel is up to date');
  }
  return start(env, admin);
}

main().then(
  (code) => process.exit(code),
  (error) => {
    console.error(error);
    process.exit(1);
  }
);
