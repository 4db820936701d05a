/**
 * `npm run test:faults`: delivery under faults, with real processes. Each fault gets a fresh database,
 * a real SMTP sink process (scripts/lib/smtp-sink-process.ts) and Strapi worker processes (scripts/faults/
 * worker.ts); the sink counts every message per result id and the database gives every result's final
 * status. A row per fault: messages expected, delivered, duplicated, lost, final statuses, the busiest
 * 60 s and 1 s windows of the sink's receive times, time. It
 * exits non-zero if a message is lost, duplicated beyond what a SIGKILLed worker had handed to SMTP
 * unrecorded, ends in the wrong status, or if a fault did not actually hit delivery.
 *
 *   npm run test:faults                                  SQLite (single-instance faults only)
 *   DATABASE_CLIENT=postgres npm run test:faults         PostgreSQL
 *   npm run test:faults -- --databases sqlite,postgres   both
 *   npm run test:faults -- --only 451-storm,closed-port-pause    some faults
 * Env: FAULTS_MESSAGES (results per fault, default 600; the three-instance race uses 1500),
 * FAULTS_RETRY_DELAYS (seconds, default 1,1,2,2), FAULTS_TIMEOUT_SECONDS (per run, default 180),
 * FAULTS_LOG_LEVEL (the workers' Strapi log level, default error). PostgreSQL: TEST_PG_HOST/PORT/USER/PASSWORD.
 */
import { compileStrapi } from '@strapi/strapi';
import type { TestDatabaseClient } from './lib/databases';
import { killAll } from './faults/processes';
import { runFault } from './faults/run-fault';
import { scenarios } from './faults/scenarios';

function option(name: string) {
  const index = process.argv.indexOf(`--${name}`);
  return index === -1 ? undefined : process.argv[index + 1];
}

const databases = (option('databases') ?? (process.env.DATABASE_CLIENT === 'postgres' ? 'postgres' : 'sqlite')).split(
  ','
);
const only = option('only')?.split(',');
const settings = {
  messages: Number(process.env.FAULTS_MESSAGES ?? 600),
  retryDelays: process.env.FAULTS_RETRY_DELAYS ?? '1,1,2,2',
  timeoutSeconds: Number(process.env.FAULTS_TIMEOUT_SECONDS ?? 180),
};

const COLUMNS = [
  'fault',
  'database',
  'expected',
  'delivered',
  'duplicated',
  'lost',
  'final statuses',
  'kept counts',
  'busiest window',
  'time',
  'evidence',
];
/** A fault's row: what runFault returns, or only the problem when it broke off. */
type Row = { fault: string; database: string; problems: string[] } & Partial<Awaited<ReturnType<typeof runFault>>>;

const cells = (row: Row) => [
  row.fault,
  row.database,
  row.expectedDelivered === row.expected ? row.expected : `${row.expected} (${row.expectedDelivered} deliverable)`,
  row.delivered,
  row.allowed ? `${row.duplicated} (bound ${row.allowed})` : row.duplicated,
  row.lost,
  row.statuses,
  row.keptCounts,
  row.windows,
  row.time,
  row.evidence,
];
const printRow = (values: unknown[]) => console.log(`| ${values.map((value) => value ?? '-').join(' | ')} |`);

(async () => {
  for (const client of databases) {
    if (!['sqlite', 'postgres'].includes(client))
      throw new Error(`--databases takes sqlite and/or postgres, not ${client}`);
  }
  const clients = databases as TestDatabaseClient[];
  const suiteStart = Date.now();
  await compileStrapi({ ignoreDiagnostics: true });
  const rows: Row[] = [];
  const skipped: string[] = [];
  for (const client of clients) {
    const dbStart = Date.now();
    for (const scenario of scenarios.filter((s) => !only || only.includes(s.name))) {
      if (client === 'sqlite' && scenario.postgresOnly) {
        skipped.push(`${scenario.name} on sqlite: ${scenario.postgresOnly}`);
        continue;
      }
      console.log(`[faults] ${client}: ${scenario.title} …`);
      const row: Row = await runFault(scenario, client, settings).catch((error: Error) => ({
        fault: scenario.name,
        database: client,
        problems: [`it broke off: ${error.message}`],
      }));
      rows.push(row);
      console.log(
        `[faults]   ${row.problems.length ? `FAILED: ${row.problems.join('; ')}` : 'ok'} (${row.time}; ${row.evidence})`
      );
    }
    console.log(`[faults] ${client}: done in ${((Date.now() - dbStart) / 1000).toFixed(0)} s`);
  }
  console.log('');
  printRow(COLUMNS);
  printRow(COLUMNS.map(() => '---'));
  for (const row of rows) printRow(cells(row));
  for (const line of skipped) console.log(`skipped: ${line}`);
  const failed = rows.filter((row) => row.problems.length);
  for (const row of failed) console.log(`FAILED ${row.fault} on ${row.database}: ${row.problems.join('; ')}`);
  console.log(
    `${rows.length - failed.length} of ${rows.length} faults passed in ${((Date.now() - suiteStart) / 1000).toFixed(0)} s`
  );
  process.exitCode = failed.length ? 1 : 0;
})().catch((error) => {
  console.error(error);
  killAll();
  process.exitCode = 1;
});
