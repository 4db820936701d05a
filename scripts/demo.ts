/**
 * `npm run demo`: a running Strapi with demo data, from a fresh clone.
 *   1. writes .env with fresh secrets if there is none;
 *   2. compiles the app, seeds the demo data (idempotently) and a demo super admin (seed-demo.ts);
 *   3. builds the admin panel if it is missing or stale, then runs `strapi start` in the foreground,
 *      both with NODE_ENV=production unless NODE_ENV says otherwise.
 * `npm run demo -- --seed-only` stops after step 2.
 */

import path from 'path';
import http from 'http';
import { spawn, type ChildProcess } from 'child_process';
import { ensureEnvFile, loadEnvFile } from './lib/env-file';
import { demoAdminCredentials, type AdminCredentials } from './lib/admin-user';
import { adminBuildIsStale } from './lib/admin-build';
import { strapiCli } from './lib/strapi-cli';
import { log, secondsSince, timed } from './lib/log';

const APP_DIR = path.resolve(__dirname, '..');

/** Runs a Node script in the app directory, resolving with its exit code. */
function runNode(args: string[], env: NodeJS.ProcessEnv, { onChild }: { onChild?: (child: ChildProcess) => void } = {}) {
  return new Promise<number>((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd: APP_DIR, env, stdio: 'inherit' });
    onChild?.(child);
    child.on('error', reject);
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
}

/** Seeds in its own process, with only warnings logged and no queue worker: it only writes data. */
const seed = (env: NodeJS.ProcessEnv) => runNode([...process.execArgv, path.join(__dirname, 'seed-demo.ts')], { ...env, LOG_LEVEL: env.LOG_LEVEL || 'warn', MESSAGE_RUNS_CRON: 'false' });

/** Resolves true once GET /_health answers 204 (Strapi listens), false if `isRunning` turns false first. */
function waitForHealth(port: string | number, isRunning: () => boolean) {
  return new Promise<boolean>((resolve) => {
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

function printLogin(admin: AdminCredentials, port: string | number) {
  log(`admin panel: http://localhost:${port}/admin`);
  log(`log in as:   ${admin.email} / ${admin.password}`);
}

/** `strapi start` in the foreground; Ctrl+C or a SIGTERM to this process stops it too. */
async function start(env: NodeJS.ProcessEnv, admin: AdminCredentials) {
  const port = env.PORT || 1337;
  const startedAt = Date.now();
  let child: ChildProcess | undefined;
  let running = true;
  const forward = (signal: NodeJS.Signals) => child?.kill(signal);
  process.on('SIGINT', forward);
  process.on('SIGTERM', forward);
  const exited = runNode([strapiCli(), 'start'], env, { onChild: (spawned) => (child = spawned) }).finally(() => (running = false));
  if (await waitForHealth(port, () => running)) {
    log(`Strapi is listening (started in ${secondsSince(startedAt)}). Press Ctrl+C to stop.`);
    printLogin(admin, port);
  }
  return exited;
}

async function main() {
  const seedOnly = process.argv.includes('--seed-only');
  log(ensureEnvFile(APP_DIR) ? 'created .env with fresh secrets' : 'using the existing .env');
  loadEnvFile(APP_DIR);
  // The panel as a billing team gets it: a production build and server (no React development mode,
  // no "Environment: development"). NODE_ENV=development in the environment or .env still wins.
  const env: NodeJS.ProcessEnv = { ...process.env, NODE_ENV: process.env.NODE_ENV || 'production' };
  const admin = demoAdminCredentials(env);

  const seeded = await seed(env);
  if (seeded !== 0) return seeded;
  if (seedOnly) {
    printLogin(admin, env.PORT || 1337);
    return 0;
  }
  if (adminBuildIsStale(APP_DIR)) {
    const built = await timed('building the admin panel', () => runNode([strapiCli(), 'build'], env));
    if (built !== 0) return built;
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
