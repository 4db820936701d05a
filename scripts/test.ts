/**
 * `npm test`: type-checks the server, admin, test and script code, runs the unit tests (tests/unit), then every
 * API suite (tests/api) on SQLite and on PostgreSQL, then the browser tests (Playwright, Debian's Chromium) against the built admin panel.
 * PostgreSQL must be reachable (TEST_PG_HOST/PORT/USER/PASSWORD, default
 * postgres@127.0.0.1:5432); `npm run test:sqlite` (or `--sqlite-only`) runs on SQLite alone.
 * Other arguments go to jest, e.g. `npm test -- tests/api/validation.test.ts` (then the browser tests
 * are left out); `--no-e2e` leaves them out too.
 */
import { spawnSync } from 'child_process';
import os from 'os';
import path from 'path';
import { adminBuildIsStale } from './lib/admin-build';
import { postgresServer as server, withMaintenanceClient } from './lib/databases';
import { strapiCli } from './lib/strapi-cli';

const args = process.argv.slice(2);
const sqliteOnly = args.includes('--sqlite-only') || process.env.TEST_DATABASES === 'sqlite';
const jestArgs = args.filter((arg) => arg !== '--sqlite-only' && arg !== '--no-e2e');
const withBrowserTests = !args.includes('--no-e2e') && jestArgs.length === 0;

async function checkPostgres() {
  await withMaintenanceClient((pg) => pg.query('select 1'));
}

function run(command: string, commandArgs: string[]) {
  const { status } = spawnSync(command, commandArgs, { stdio: 'inherit' });
  if (status !== 0) process.exit(status ?? 1);
}

(async () => {
  if (!sqliteOnly) {
    try {
      await checkPostgres();
    } catch (error) {
      console.error(
        `PostgreSQL is not reachable at ${server.user}@${server.host}:${server.port} (${(error as Error).message}).\n` +
          'Start it (or set TEST_PG_HOST, TEST_PG_PORT, TEST_PG_USER, TEST_PG_PASSWORD), ' +
          'or run the suites on SQLite only with `npm run test:sqlite`.'
      );
      process.exit(1);
    }
  }
  run('npx', ['tsc', '-p', 'tsconfig.json', '--noEmit']);
  run('npx', ['tsc', '-p', 'src/admin/tsconfig.json', '--noEmit']);
  // The tests and scripts too: a changed contract, helper or plugin module fails here, not half-way through a suite.
  run('npx', ['tsc', '-p', 'tests/tsconfig.json']);
  run('npx', ['tsc', '-p', 'scripts/tsconfig.json']);
  // The unit layer first: pure modules, in a second; a broken one stops before Strapi boots.
  if (jestArgs.length === 0) run('npx', ['jest', '--selectProjects', 'unit']);
  const projects = sqliteOnly ? ['sqlite'] : ['sqlite', 'postgres'];
  // A worker per core (jest's default leaves one idle): an API suite spends much of its time waiting
  // on its Strapi, its database and its SMTP server. TEST_WORKERS or -w overrides it.
  const workersGiven = jestArgs.some((arg) => /^(-w|--maxWorkers|-i|--runInBand)/.test(arg));
  const workers = workersGiven ? [] : [`--maxWorkers=${process.env.TEST_WORKERS || os.availableParallelism()}`];
  run('npx', ['jest', ...jestArgs, ...workers, '--selectProjects', ...projects]);
  if (withBrowserTests) {
    if (adminBuildIsStale(path.resolve(__dirname, '..'))) run(process.execPath, [strapiCli(), 'build']);
    run('npx', ['playwright', 'test']);
  }
})();
