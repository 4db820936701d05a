/**
 * Load test of the admin API while a large run is delivered: `node --import tsx scripts/bench/load.ts` (SQLite)
 * or `DATABASE_CLIENT=postgres node --import tsx scripts/bench/load.ts`. It seeds a started run of LOAD_RESULTS results
 * (default 100000) on a fresh database, starts a Strapi process (scripts/bench/load-server.ts) that
 * delivers it to the bench's SMTP sink process, measures delivery alone for LOAD_BASELINE_SECONDS (15),
 * then has LOAD_CLIENTS (50) keep-alive clients with an admin JWT call the results list (random pages,
 * some with a status filter and a sort) and the run with its counts for LOAD_SECONDS (30). It prints
 * latency p50/p95/p99/max, requests/s and errors per endpoint, and messages delivered per second
 * without and with the load. `runLoadTest(options)` does the same and returns the figures.
 */
import path from 'path';
import { fork } from 'child_process';
import { compileStrapi } from '@strapi/strapi';
import type { AdminCredentials } from '../lib/admin-user';
import { createTestDatabase, type TestDatabaseClient } from '../lib/databases';
import { freshSecrets } from '../lib/secrets';
import { createRandom } from '../lib/random';
import { nextMessage, request } from '../lib/ipc';
import { forkSmtpSink, type SinkProcess } from '../lib/smtp-sink-client';
import { runClients, type Pick } from './load-clients';
import type { LoadServerCommands } from './load-server';

const TARGET_P95_MS = 250;
const SORTS = [
  'sentAt:desc',
  'status:asc',
  'recipient:asc',
  'attempts:desc',
  'invoice.number:asc',
  'customer.name:asc',
];
const STATUSES = ['sent', 'queued', 'failed,retrying', 'queued,sending'];
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function startServer(env: NodeJS.ProcessEnv) {
  // LOAD_CPU_PROF=<dir> writes a V8 CPU profile of the Strapi process there (open it in Chrome DevTools).
  // The TypeScript loader this process runs with (process.execArgv) goes first.
  const profile = env.LOAD_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${env.LOAD_CPU_PROF}`] : [];
  const execArgv = [...process.execArgv, ...profile];
  const child = fork(path.join(__dirname, 'load-server.ts'), [], {
    execArgv,
    env,
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  const { ready: port } = await nextMessage<{ ready: number }>(child, (message) => message.ready !== undefined);
  return {
    port,
    // Creating a 100k run takes minutes on SQLite on a busy machine.
    seed: (size: number) =>
      request<Awaited<ReturnType<LoadServerCommands['seed']>>>(child, 'seed', { size }, 30 * 60_000),
    go: () => request(child, 'go'),
    async stop() {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      await request(child, 'stop').catch(() => child.kill('SIGKILL'));
      await exited;
    },
  };
}

async function adminToken(port: number, { email, password }: AdminCredentials): Promise<string> {
  const res = await fetch(`http://127.0.0.1:${port}/admin/login`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ email, password }),
  });
  if (res.status !== 200) throw new Error(`admin login: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { data: { token: string } }).data.token;
}

/** The clients' mix: plain results pages anywhere in the run, filtered and sorted ones, and the run with its counts. */
function requestMix(runDocumentId: string, { results, pageSize = 50 }: { results: number; pageSize?: number }) {
  const random = createRandom(20260601);
  const runPath = `/message-runs/runs/${runDocumentId}`;
  return () =>
    random.weighted<() => Pick>([
      [
        () => ({
          endpoint: 'results page',
          path: `${runPath}/results?page=${random.int(1, Math.ceil(results / pageSize))}&pageSize=${pageSize}`,
        }),
        5,
      ],
      [
        () => ({
          endpoint: 'results, status + sort',
          path: `${runPath}/results?page=${random.int(1, 20)}&pageSize=${pageSize}&status=${random.pick(STATUSES)}&sort=${random.pick(SORTS)}`,
        }),
        2,
      ],
      [() => ({ endpoint: 'run with counts', path: runPath }), 3],
    ])();
}

/** Messages per second the sink received while `work` ran, and what it resolved with. */
async function deliveryRate<T>(sink: SinkProcess, work: () => Promise<T>) {
  const before = await sink.count();
  const startedAt = Date.now();
  const value = await work();
  return { value, perSecond: ((await sink.count()) - before) / ((Date.now() - startedAt) / 1000) };
}

export async function runLoadTest({
  database = process.env.DATABASE_CLIENT === 'postgres' ? 'postgres' : 'sqlite',
  results = 100000,
  clients = 50,
  durationSeconds = 30,
  baselineSeconds = 15,
  compile = true,
  log = console.log,
}: {
  database?: TestDatabaseClient;
  results?: number;
  clients?: number;
  durationSeconds?: number;
  baselineSeconds?: number;
  compile?: boolean;
  log?: (message: string) => void;
} = {}) {
  if (compile) await compileStrapi({ ignoreDiagnostics: true });
  const db = await createTestDatabase(database, { prefix: 'mr_load' });
  const sink = await forkSmtpSink();
  let server: Awaited<ReturnType<typeof startServer>> | undefined;
  try {
    server = await startServer({
      ...process.env,
      ...freshSecrets(),
      ...db.env,
      HOST: '127.0.0.1',
      PORT: '0',
      LOG_LEVEL: 'error',
      STRAPI_STARTUP_BANNER: 'false',
      MESSAGE_RUNS_CRON: 'false',
      SMTP_HOST: '127.0.0.1',
      SMTP_PORT: String(sink.port),
    });
    const seedStart = Date.now();
    const { runDocumentId, admin } = await server.seed(results);
    log(
      `[load] ${database}: seeded a started run of ${results} results in ${((Date.now() - seedStart) / 1000).toFixed(1)} s`
    );
    const token = await adminToken(server.port, admin);

    await server.go();
    const baseline = await deliveryRate(sink, () => sleep(baselineSeconds * 1000));
    log(
      `[load] delivery alone: ${baseline.perSecond.toFixed(0)} msg/s over ${baselineSeconds} s; now ${clients} clients for ${durationSeconds} s`
    );
    const { port } = server;
    const loaded = await deliveryRate(sink, () =>
      runClients({ port, token, clients, durationSeconds, pick: requestMix(runDocumentId, { results }) })
    );
    const endpoints = loaded.value;
    const run = await (
      await fetch(`http://127.0.0.1:${server.port}/message-runs/runs/${runDocumentId}`, {
        headers: { Authorization: `Bearer ${token}` },
      })
    ).json() as { data: { counts: Record<string, number> } };
    return {
      database,
      results,
      clients,
      durationSeconds,
      endpoints,
      delivery: { alone: baseline.perSecond, underLoad: loaded.perSecond, counts: run.data.counts },
      targetMet: endpoints.every((row) => row.p95 < TARGET_P95_MS && row.errors === 0),
    };
  } finally {
    await server?.stop();
    await sink.stop();
    await db.drop();
  }
}

const ms = (value: number) => `${value.toFixed(0)} ms`;

export type LoadReport = Awaited<ReturnType<typeof runLoadTest>>;

export function printLoadTest(report: LoadReport, log = console.log) {
  log('');
  log(
    `Admin API under load: ${report.database}, ${report.results} results, ${report.clients} clients, ${report.durationSeconds} s`
  );
  log('| endpoint | requests | req/s | p50 | p95 | p99 | max | errors |');
  log('|---|---:|---:|---:|---:|---:|---:|---:|');
  for (const row of report.endpoints) {
    log(
      `| ${row.endpoint} | ${row.requests} | ${row.perSecond.toFixed(1)} | ${ms(row.p50)} | ${ms(row.p95)} | ${ms(row.p99)} | ${ms(row.max)} | ${row.errors} |`
    );
  }
  for (const row of report.endpoints.filter((r) => r.errors)) log(`first error of ${row.endpoint}: ${row.firstError}`);
  const { alone, underLoad, counts } = report.delivery;
  log(
    `Delivery: ${alone.toFixed(0)} msg/s alone, ${underLoad.toFixed(0)} msg/s under load (${((100 * underLoad) / alone).toFixed(0)}%); run now: ${JSON.stringify(counts)}`
  );
  log(`Target p95 < ${TARGET_P95_MS} ms with no errors: ${report.targetMet ? 'met' : 'MISSED'}`);
}

if (require.main === module) {
  const env = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
  runLoadTest({
    results: env('LOAD_RESULTS', 100000),
    clients: env('LOAD_CLIENTS', 50),
    durationSeconds: env('LOAD_SECONDS', 30),
    baselineSeconds: env('LOAD_BASELINE_SECONDS', 15),
  })
    .then((report) => {
      printLoadTest(report);
      process.exitCode = report.targetMet ? 0 : 1;
    })
    .catch((error) => {
      console.error(error);
      process.exitCode = 1;
    });
}
