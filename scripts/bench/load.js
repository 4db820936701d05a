#!/usr/bin/env node
/**
 * Load test of the admin API while a large run is delivered: `node scripts/bench/load.js` (SQLite) or
 * `DATABASE_CLIENT=postgres node scripts/bench/load.js`. It seeds a started run of LOAD_RESULTS results
 * (default 100000) on a fresh database, starts a Strapi process (scripts/bench/load-server.js) that
 * delivers it to the bench's SMTP sink process, measures delivery alone for LOAD_BASELINE_SECONDS (15),
 * then has LOAD_CLIENTS (50) keep-alive clients with an admin JWT call the results list (random pages,
 * some with a status filter and a sort) and the run with its counts for LOAD_SECONDS (30). It prints
 * latency p50/p95/p99/max, requests/s and errors per endpoint, and messages delivered per second
 * without and with the load. `runLoadTest(options)` does the same and returns the figures.
 */
const path = require('path');
const { fork } = require('child_process');
const { compileStrapi } = require('@strapi/strapi');
const { createTestDatabase } = require('../lib/databases');
const { freshSecrets } = require('../lib/secrets');
const { createRandom } = require('../lib/random');
const { request, nextMessage } = require('../lib/ipc');
const { startSink } = require('./delivery');
const { runClients } = require('./load-clients');

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
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function startServer(env) {
  // LOAD_CPU_PROF=<dir> writes a V8 CPU profile of the Strapi process there (open it in Chrome DevTools).
  const execArgv = env.LOAD_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${env.LOAD_CPU_PROF}`] : [];
  const child = fork(path.join(__dirname, 'load-server.js'), [], {
    execArgv,
    env,
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  const { ready: port } = await nextMessage(child, (message) => message.ready !== undefined);
  return {
    port,
    // Creating a 100k run takes minutes on SQLite on a busy machine.
    seed: (size) => request(child, 'seed', { size }, 30 * 60_000),
    go: () => request(child, 'go'),
    async stop() {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      await request(child, 'stop').catch(() => child.kill('SIGKILL'));
      await exited;
    },
  };
}

async function adminToken(port, { email, password }) {
  const res = await fetch(`http://127.0.0.1:${port}/admin/login`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ email, password }),
  });
  if (res.status !== 200) throw new Error(`admin login: ${res.status} ${await res.text()}`);
  return (await res.json()).data.token;
}

/** The clients' mix: plain results pages anywhere in the run, filtered and sorted ones, and the run with its counts. */
function requestMix(runDocumentId, { results, pageSize = 50 }) {
  const random = createRandom(20260601);
  const runPath = `/message-runs/runs/${runDocumentId}`;
  return () =>
    random.weighted([
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

/** Messages per second the sink received over `work` (a function, or a number of seconds of waiting). */
async function deliveryRate(sink, work) {
  const before = await sink.count();
  const startedAt = Date.now();
  const value = typeof work === 'number' ? await sleep(work * 1000) : await work();
  return { value, perSecond: ((await sink.count()) - before) / ((Date.now() - startedAt) / 1000) };
}

async function runLoadTest({
  database = process.env.DATABASE_CLIENT === 'postgres' ? 'postgres' : 'sqlite',
  results = 100000,
  clients = 50,
  durationSeconds = 30,
  baselineSeconds = 15,
  compile = true,
  log = console.log,
} = {}) {
  if (compile) await compileStrapi({ ignoreDiagnostics: true });
  const db = await createTestDatabase(database, { prefix: 'mr_load' });
  const sink = await startSink();
  let server;
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
    const baseline = await deliveryRate(sink, baselineSeconds);
    log(
      `[load] delivery alone: ${baseline.perSecond.toFixed(0)} msg/s over ${baselineSeconds} s; now ${clients} clients for ${durationSeconds} s`
    );
    const loaded = await deliveryRate(sink, () =>
      runClients({ port: server.port, token, clients, durationSeconds, pick: requestMix(runDocumentId, { results }) })
    );
    const endpoints = loaded.value;
    const run = await (
      await fetch(`http://127.0.0.1:${server.port}/message-runs/runs/${runDocumentId}`, {
        headers: { Authorization: `Bearer ${token}` },
      })
    ).json();
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
    sink.stop();
    await db.drop();
  }
}

const ms = (value) => `${value.toFixed(0)} ms`;

function printLoadTest(report, log = console.log) {
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

module.exports = { runLoadTest, printLoadTest };

if (require.main === module) {
  const env = (name, fallback) => Number(process.env[name] ?? fallback);
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
