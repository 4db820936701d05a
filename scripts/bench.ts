/**
 * `npm run bench`: the figures behind the README's and docs/BENCHMARKS.md's scale claims, on SQLite
 * (default) or PostgreSQL (DATABASE_CLIENT=postgres: a fresh database on the local server, reached
 * with TEST_PG_* as the tests do). Each figure is the median of several repetitions, with min and
 * max. Settings (env):
 *   BENCH_SIZES=1000,10000,100000   invoices per run-creation row
 *   BENCH_REPEAT=5                  repetitions of each figure
 *   BENCH_DELIVERY_MESSAGES=2000    messages per throughput repetition (each repetition delivers a run
 *                                   without the message archive, one with it, and bare nodemailer)
 *   BENCH_MEMORY_RESULTS=100000     results of the memory run (0 leaves it out)
 *   BENCH_INSTANCES=1,2,3           PostgreSQL scale-out: numbers of Strapi processes (empty leaves it out)
 *   BENCH_SCALE_MESSAGES=3000       messages per scale-out repetition
 *   BENCH_LIMITED_MESSAGES=2000     messages of the rate-limited run (0 leaves it out), delivered by 3
 *                                   processes on PostgreSQL (1 on SQLite) under BENCH_LIMIT_PER_MINUTE=1200
 *                                   and BENCH_LIMIT_PER_SECOND=30
 *   BENCH_LOAD_CLIENTS=50           admin API clients of the load test (0 leaves it out); its run has
 *                                   LOAD_RESULTS (100000) results, see scripts/bench/load.ts
 *   BENCH_LARGE_DELIVERY=20000      messages of the largest run delivered (then it is stopped) before its
 *                                   pages are read (0 leaves it out); scripts/bench/large-run.ts
 */
import { compileStrapi, createStrapi, type Core } from '@strapi/strapi';
import fs from 'fs';
import type Mail from 'nodemailer/lib/mailer';
import os from 'os';
import path from 'path';
import request from 'supertest';
import { dropResultTriggers, rawInsertResults } from './bench/baseline';
import { deliverRun, pdfOfSize, seedDeliverableRun, sendWithNodemailer, uploadSharedPdf, type RunSources } from './bench/delivery';
import { printLoadTest, runLoadTest } from './bench/load';
import { benchExport, benchLargeRunCreation, benchLargeRunDelivery, benchLargeRunReading } from './bench/large-run';
import { deliverWithInstances } from './bench/scale-out';
import { seedBulkData } from './lib/bulk-data';
import { createTestDatabase, type TestDatabase, type TestDatabaseClient } from './lib/databases';
import { BULK_RESULTS, pluginService, resolveTables, type MessageRunsConfig, type Tables } from './lib/plugin';
import { freshSecrets } from './lib/secrets';
import { seedSendingDefinition, type SendingDefinition } from './lib/seed';
import { forkSmtpSink, type SinkProcess } from './lib/smtp-sink-client';
import { busiestWindow } from './lib/windows';

/** The bench's requests to its Strapi, with an API token. */
type Http = Record<'get' | 'post' | 'delete', (url: string) => request.Test>;
/** A figure over repetitions: median, min and max. */
type Summary = ReturnType<typeof summarize>;

const client: TestDatabaseClient = process.env.DATABASE_CLIENT === 'postgres' ? 'postgres' : 'sqlite';
const list = (value: string) => (value ? value.split(',').map(Number) : []);
const settings = {
  sizes: list(process.env.BENCH_SIZES ?? '1000,10000,100000'),
  repeat: Number(process.env.BENCH_REPEAT ?? 5),
  deliveryMessages: Number(process.env.BENCH_DELIVERY_MESSAGES ?? 2000),
  memoryResults: Number(process.env.BENCH_MEMORY_RESULTS ?? 100000),
  instances: client === 'postgres' ? list(process.env.BENCH_INSTANCES ?? '1,2,3') : [],
  scaleMessages: Number(process.env.BENCH_SCALE_MESSAGES ?? 3000),
  loadClients: Number(process.env.BENCH_LOAD_CLIENTS ?? 50),
  largeDelivery: Number(process.env.BENCH_LARGE_DELIVERY ?? 20000),
  limited: {
    messages: Number(process.env.BENCH_LIMITED_MESSAGES ?? 2000),
    perMinute: Number(process.env.BENCH_LIMIT_PER_MINUTE ?? 1200),
    perSecond: Number(process.env.BENCH_LIMIT_PER_SECOND ?? 30),
  },
};
/** A fresh database for the bench: a file under .tmp/bench, or a new database on the local PostgreSQL. */
const freshDatabase = () => createTestDatabase(client, { prefix: 'mr_bench' });

/** The kept messages of the bench's deliveries (the default folder storage), removed at the end. */
const archiveDir = path.join('.tmp', 'bench', `archive-${process.pid}`);

async function startStrapi(database: TestDatabase) {
  // In process.env, so that the scale-out worker processes inherit the same database and secrets.
  Object.assign(process.env, {
    ...database.env,
    ...freshSecrets(),
    LOG_LEVEL: 'error',
    STRAPI_STARTUP_BANNER: 'false',
    MESSAGE_RUNS_CRON: 'false',
    MESSAGE_ARCHIVE_DIR: archiveDir,
  });
  const appContext = await compileStrapi({ ignoreDiagnostics: true });
  const strapi = await createStrapi(appContext).load();
  strapi.server.mount();
  return strapi;
}

async function time<T>(fn: () => Promise<T>) {
  const start = process.hrtime.bigint();
  const value = await fn();
  return { ms: Number(process.hrtime.bigint() - start) / 1e6, value };
}

const summarize = (samples: number[]) => {
  const sorted = [...samples].sort((a, b) => a - b);
  return { median: sorted[Math.floor(sorted.length / 2)], min: sorted[0], max: sorted[sorted.length - 1] };
};

async function measure<T>(times: number, fn: () => Promise<T>, after: (value: T) => Promise<unknown> = async () => {}) {
  const samples: number[] = [];
  for (let i = 0; i < times; i++) {
    const { ms, value } = await time(fn);
    samples.push(ms);
    await after(value);
  }
  return summarize(samples);
}

const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MB`;
const fmtMs = ({ median, min, max }: Summary) => `${median.toFixed(1)} ms (${min.toFixed(1)}–${max.toFixed(1)})`;
const fmtRate = ({ median, min, max }: Summary) => `${median.toFixed(0)} msg/s (${min.toFixed(0)}–${max.toFixed(0)})`;
const percent = (share: number) => `${(100 * share).toFixed(0)}%`;

type Delivered = Awaited<ReturnType<typeof deliverWithInstances>>;
type ScaleOutRow = Delivered & { rate: Summary };

/** Run creation over HTTP beside one raw INSERT … SELECT of the same rows, per data set size. */
async function benchCreation(strapi: Core.Strapi, tables: Tables, http: Http, { transformation, definition }: SendingDefinition) {
  const rows: { size: number; create: Summary; raw: Summary }[] = [];
  let largest: { size: number; body: Record<string, unknown> } | undefined;
  for (const size of settings.sizes) {
    const seeded = await time(() =>
      seedBulkData(strapi, tables, {
        name: `bench-${size}`,
        invoiceCount: size,
        transformationId: transformation.id,
        recipientKey: 'InvoiceEmail',
      })
    );
    const data = seeded.value;
    // A production database has planner statistics for its tables; fresh bulk inserts don't yet.
    if (client === 'postgres') await strapi.db.connection.raw('ANALYZE');
    const body = {
      definition: definition.documentId,
      cluster: data.clusterDocumentId,
      includeChildren: true,
      periodStart: data.period[0],
      periodEnd: data.period[1],
    };
    const create = await measure(
      settings.repeat,
      async () => {
        const res = await http.post('/api/message-runs/runs').send(body);
        if (res.status !== 201 || res.body.data.counts.total !== size) {
          throw new Error(`run creation: ${res.status} ${JSON.stringify(res.body).slice(0, 300)}`);
        }
        return res;
      },
      (res) => http.delete(`/api/message-runs/runs/${res.body.data.documentId}`)
    );

    // The same rows, one hand-written statement, into the same table (a placeholder run row holds them),
    // without the triggers that keep the run's counts: the database's own speed for the rows alone.
    await dropResultTriggers(strapi.db.connection, tables, client);
    const [placeholder] = await strapi.db.connection(tables.runs).insert(
      {
        document_id: `bench${size}`,
        status: 'created',
        definition_snapshot: '{}',
        period_start: data.period[0],
        period_end: data.period[1],
        include_children: true,
      },
      ['id']
    );
    const raw = await measure(
      settings.repeat,
      () =>
        strapi.db.transaction(({ trx }) =>
          rawInsertResults(trx, tables, {
            client: strapi.db.dialect.client,
            runId: placeholder.id,
            clusterId: data.clusterId,
            periodStart: data.period[0],
            periodEnd: data.period[1],
            recipientKey: 'InvoiceEmail',
            transformationId: transformation.id,
            now: new Date(),
          })
        ),
      () => strapi.db.connection(tables.results).where('run_id', placeholder.id).delete()
    );
    await strapi.db.connection(tables.runs).where('id', placeholder.id).delete();
    await pluginService(strapi, 'runs').installCountTriggers();
    rows.push({ size, create, raw });
    console.log(
      `  ${size} invoices (seeded in ${(seeded.ms / 1000).toFixed(1)} s): run created in ${fmtMs(create)}; raw INSERT … SELECT (no triggers) ${fmtMs(raw)}`
    );
    // The largest data set's run is created again after, by a fresh process whose memory is sampled.
    if (size === Math.max(...settings.sizes)) largest = { size, body };
  }
  return { rows, largest: largest! };
}

/**
 * Run creation refreshes PostgreSQL's statistics and visibility map in the background (VACUUM
 * ANALYZE, so that counts become index-only scans); the reads are measured once that has finished.
 */
async function waitForStatisticsRefresh(strapi: Core.Strapi, tables: Tables, since: Date) {
  const start = Date.now();
  const refreshed = async () => {
    const { rows } = await strapi.db.connection.raw('SELECT last_vacuum FROM pg_stat_user_tables WHERE relname = ?', [
      tables.results,
    ]);
    return rows[0]?.last_vacuum && new Date(rows[0].last_vacuum) >= since;
  };
  while (!(await refreshed())) {
    if (Date.now() - start > 60_000) throw new Error('no VACUUM of the results table within a minute of creation');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return Date.now() - start;
}

/** One pooled-nodemailer message per plugin message: same sender, recipient shape, Bcc, PDF and body. */
function bareMessages(count: number, label: string, pdf: Buffer): Mail.Options[] {
  return Array.from({ length: count }, (_, n) => ({
    from: { name: 'Example Billing', address: 'billing@example.com' },
    to: { name: `Billing ${n}`, address: `billing+${n}@example.com` },
    bcc: ['archive@example.com'],
    subject: `Invoice ${label}-${n}`,
    html: `<p>Dear Customer ${n} of ${label}, your invoice ${label}-${n} is attached.</p>`,
    attachments: [{ filename: 'invoice.pdf', contentType: 'application/pdf', content: pdf }],
  }));
}

/**
 * The heap cap of the export's second reading: above what a loaded Strapi holds live (about 150 MB),
 * far below what V8 lets a heap grow to on this machine before it collects.
 */
const EXPORT_HEAP_MB = 192;

/**
 * The largest data set's run, created by a fresh process; with BENCH_LARGE_DELIVERY, its first
 * messages delivered by another; then its pages, counts and export read. Deleted after, so that each
 * later figure stands alone (the delivery figures are not taken beside a million queued results).
 */
async function benchLargeRun(
  strapi: Core.Strapi,
  tables: Tables,
  sink: SinkProcess,
  http: Http,
  token: string,
  { size, body }: { size: number; body: Record<string, unknown> }
) {
  console.log(`The ${size}-result run`);
  const createdAt = new Date();
  const creation = await benchLargeRunCreation(token, body, size);
  const { run } = creation;
  console.log(`  created by a fresh process in ${(creation.ms / 1000).toFixed(1)} s, RSS +${mb(creation.peak - creation.idle)} above idle`);
  // Creation refreshes the statistics of large runs only (see BULK_RESULTS in the runs service).
  if (client === 'postgres' && size >= BULK_RESULTS) {
    console.log(`  waited ${await waitForStatisticsRefresh(strapi, tables, createdAt)} ms for the VACUUM (ANALYZE) that creation starts`);
  }
  const delivery = settings.largeDelivery
    ? await benchLargeRunDelivery(strapi, tables, sink, run, settings.largeDelivery)
    : undefined;
  if (delivery) {
    console.log(`  first ${delivery.messages} messages delivered at ${delivery.perSecond.toFixed(0)} msg/s, worker RSS +${mb(delivery.peak - delivery.idle)} above idle`);
  }
  const reading = await benchLargeRunReading(http, run, {
    repeat: settings.repeat * 4,
    measure,
    status: delivery ? 'sent' : 'queued',
  });
  const exported = await benchExport(run, token);
  console.log(`  exported ${exported.rows} rows in ${(exported.ms / 1000).toFixed(1)} s, RSS +${mb(exported.peak - exported.idle)} above idle`);
  const exportedCapped = await benchExport(run, token, { heapMb: EXPORT_HEAP_MB });
  console.log(
    `  exported again with the heap capped at ${EXPORT_HEAP_MB} MB in ${(exportedCapped.ms / 1000).toFixed(1)} s, RSS +${mb(exportedCapped.peak - exportedCapped.idle)} above idle`
  );
  await http.delete(`/api/message-runs/runs/${run.documentId}`);
  return { size, creation, delivery, reading, exported, exportedCapped };
}

/**
 * Messages per second of the plugin's queue, without and with the message archive, and of bare pooled
 * nodemailer, taking turns, same sink.
 */
async function benchThroughput(strapi: Core.Strapi, tables: Tables, sink: SinkProcess, { pdf, ...sources }: RunSources & { pdf: Buffer }) {
  const messages = settings.deliveryMessages;
  const { maxConnections } = strapi.config.get<MessageRunsConfig>('plugin::message-runs');
  const pluginMs: number[] = [];
  const archivedMs: number[] = [];
  const bareMs: number[] = [];
  const deliver = async (name: string) => {
    const run = await seedDeliverableRun(strapi, tables, { ...sources, count: messages, name });
    const before = await sink.count();
    const ms = await deliverRun(strapi, run);
    if ((await sink.count()) - before !== messages)
      throw new Error('the sink did not receive every message of the run');
    return ms;
  };
  // The mail thread takes the archive setting when it starts: one thread for the repetitions without
  // the archive, a new one for those with it (each started before the clock, as a running instance's
  // is, and kept across its repetitions, as an instance keeps it).
  for (const [archive, samples] of [[false, pluginMs], [true, archivedMs]] as const) {
    strapi.config.set('plugin::message-runs.archive', archive);
    const mailer = pluginService(strapi, 'mailer');
    mailer.close();
    await mailer.ready();
    for (let i = 0; i < settings.repeat; i++) {
      samples.push(await deliver(`${archive ? 'archived' : 'deliver'}-${i}`));
      bareMs.push(
        await sendWithNodemailer({
          port: sink.port,
          maxConnections,
          messages: bareMessages(messages, `bare-${archive ? 'a' : 'p'}${i}`, pdf),
        })
      );
    }
  }
  const perSecond = (samples: number[]) => summarize(samples.map((ms) => messages / (ms / 1000)));
  return { messages, maxConnections, plugin: perSecond(pluginMs), archived: perSecond(archivedMs), bare: perSecond(bareMs) };
}

/**
 * Peak RSS of a fresh Strapi process (a worker, as in the scale-out) while it delivers a large run,
 * beside its RSS once loaded and idle: in this process, which seeded the data and ran the figures
 * before, the allocator keeps what those took, and an "idle" reading here was already near its peak.
 */
async function benchMemory(strapi: Core.Strapi, tables: Tables, sink: SinkProcess, sources: RunSources) {
  const { perSecond, idleRss, peakRss } = await deliverWithInstances(strapi, tables, sink, {
    instances: 1,
    messages: settings.memoryResults,
    ...sources,
  });
  return { results: settings.memoryResults, idle: idleRss[0], peak: peakRss[0], perSecond };
}

/** Delivery by 1, 2, … Strapi processes on PostgreSQL, each count repeated. */
async function benchScaleOut(strapi: Core.Strapi, tables: Tables, sink: SinkProcess, sources: RunSources) {
  const rows: ScaleOutRow[] = [];
  for (const instances of settings.instances) {
    const samples: Delivered[] = [];
    for (let i = 0; i < settings.repeat; i++) {
      samples.push(
        await deliverWithInstances(strapi, tables, sink, { instances, messages: settings.scaleMessages, ...sources })
      );
    }
    const median = [...samples].sort((a, b) => a.perSecond - b.perSecond)[Math.floor(samples.length / 2)];
    const row = { ...median, rate: summarize(samples.map((sample) => sample.perSecond)) };
    rows.push(row);
    console.log(
      `  ${instances} instance(s): ${fmtRate(row.rate)}; CPU of each Strapi process ${row.workerShares.map(percent).join(', ')}`
    );
  }
  return rows;
}

/**
 * A rate-limited run on BENCH_LIMITED_INSTANCES processes (3 on PostgreSQL, 1 on SQLite): the busiest
 * 60 s and 1 s windows of the sink's receive times against the limits, and the rate against the limit.
 */
async function benchRateLimited(strapi: Core.Strapi, tables: Tables, sink: SinkProcess, sources: RunSources) {
  const { messages, perMinute, perSecond } = settings.limited;
  const instances = client === 'postgres' ? 3 : 1;
  const env = { MESSAGE_RATE_LIMIT: String(perMinute), MESSAGE_RATE_LIMIT_PER_SECOND: String(perSecond) };
  const run = await deliverWithInstances(strapi, tables, sink, { instances, messages, env, ...sources });
  const row = {
    instances,
    messages,
    perMinute,
    perSecond,
    busiestMinute: busiestWindow(run.receivedAt, 60_000),
    busiestSecond: busiestWindow(run.receivedAt, 1000),
    rate: run.perSecond,
    allowed: Math.min(perMinute / 60, perSecond),
  };
  console.log(
    `  ${messages} messages on ${instances} instance(s): busiest 60 s ${row.busiestMinute} (limit ${perMinute}), busiest 1 s ${row.busiestSecond} (limit ${perSecond})`
  );
  return row;
}

function printSummary({
  creation,
  large,
  throughput,
  memory,
  scaleOut,
  limited,
}: {
  creation: Awaited<ReturnType<typeof benchCreation>>;
  large: Awaited<ReturnType<typeof benchLargeRun>>;
  throughput: Awaited<ReturnType<typeof benchThroughput>>;
  memory?: Awaited<ReturnType<typeof benchMemory>>;
  scaleOut: ScaleOutRow[];
  limited?: Awaited<ReturnType<typeof benchRateLimited>>;
}) {
  console.log('');
  console.log('| invoices | run creation (HTTP) | raw INSERT … SELECT, no triggers | ratio |');
  console.log('|---:|---:|---:|---:|');
  for (const row of creation.rows) {
    console.log(
      `| ${row.size} | ${fmtMs(row.create)} | ${fmtMs(row.raw)} | ${(row.create.median / row.raw.median).toFixed(2)} |`
    );
  }
  const { size, creation: made, delivery, reading, exported, exportedCapped } = large;
  console.log('');
  console.log(`On the ${size}-result run (pages of 25; each page's answer carries the run's counts):`);
  console.log('');
  console.log('| request | time |');
  console.log('|---|---:|');
  for (const row of reading) console.log(`| ${row.what} | ${fmtMs(row.time)} |`);
  console.log('');
  console.log(`Creation of the ${size}-result run by a fresh Strapi process: ${(made.ms / 1000).toFixed(1)} s; RSS idle ${mb(made.idle)}, peak ${mb(made.peak)}, +${mb(made.peak - made.idle)} above idle`);
  if (delivery) {
    console.log(
      `Delivery of its first ${delivery.messages} messages by a fresh worker process: ${delivery.perSecond.toFixed(0)} msg/s; ` +
        `RSS idle ${mb(delivery.idle)}, peak ${mb(delivery.peak)}, +${mb(delivery.peak - delivery.idle)} above idle`
    );
  }
  console.log(
    `CSV export of its ${exported.rows} results by a fresh Strapi process: ${(exported.ms / 1000).toFixed(1)} s, ` +
      `${(exported.bytes / 1024 / 1024).toFixed(0)} MB, ${(exported.rows / (exported.ms / 1000)).toFixed(0)} rows/s; ` +
      `RSS idle ${mb(exported.idle)}, peak ${mb(exported.peak)}, +${mb(exported.peak - exported.idle)} above idle; ` +
      `with its V8 heap capped at ${EXPORT_HEAP_MB} MB: ${(exportedCapped.ms / 1000).toFixed(1)} s, +${mb(exportedCapped.peak - exportedCapped.idle)} above idle`
  );
  const ratio = throughput.plugin.median / throughput.bare.median;
  console.log(
    `Delivery of ${throughput.messages} messages (30 KB PDF, Bcc, ${throughput.maxConnections} SMTP connections): ` +
      `plugin ${fmtRate(throughput.plugin)}, bare pooled nodemailer ${fmtRate(throughput.bare)}: ${percent(ratio)} of bare`
  );
  console.log(
    `Delivery of the same with the message archive on (each message's bytes kept in a private folder, SHA-256 recorded): ` +
      `plugin ${fmtRate(throughput.archived)}, bare pooled nodemailer ${fmtRate(throughput.bare)}: ${percent(throughput.archived.median / throughput.bare.median)} of bare`
  );
  if (memory) {
    console.log(
      `Memory of a Strapi worker process delivering ${memory.results} results (${memory.perSecond.toFixed(0)} msg/s): ` +
        `RSS idle ${mb(memory.idle)}, peak ${mb(memory.peak)}, +${mb(memory.peak - memory.idle)} above idle`
    );
  }
  if (limited) {
    console.log(
      `Rate-limited delivery of ${limited.messages} messages by ${limited.instances} Strapi process(es), limits ${limited.perMinute}/min and ${limited.perSecond}/s: ` +
        `busiest 60 s window ${limited.busiestMinute} of ${limited.perMinute}, busiest 1 s window ${limited.busiestSecond} of ${limited.perSecond}; ` +
        `${limited.rate.toFixed(1)} msg/s against ${limited.allowed.toFixed(1)} allowed (${percent(limited.rate / limited.allowed)})`
    );
  }
  if (scaleOut.length) {
    const one = scaleOut[0];
    const busyCores = (row: ScaleOutRow) => row.workerShares.reduce((sum, share) => sum + share, 0);
    console.log('');
    console.log(
      '| Strapi processes | msg/s | factor | CPU per Strapi process | SMTP sink CPU | PostgreSQL CPU | msg/s per busy Strapi core | vs 1 process |'
    );
    console.log('|---:|---:|---:|---|---:|---:|---:|---:|');
    for (const row of scaleOut) {
      const perCore = row.rate.median / busyCores(row);
      console.log(
        `| ${row.instances} | ${fmtRate(row.rate)} | ${(row.rate.median / one.rate.median).toFixed(2)} | ${row.workerShares.map(percent).join(', ')} | ` +
          `${percent(row.sinkShare)} | ${percent(row.postgresShare)} | ${perCore.toFixed(0)} | ${percent(perCore / (one.rate.median / busyCores(one)))} |`
      );
    }
  }
}

(async () => {
  const cpus = os.cpus();
  console.log(
    `message-runs bench: ${client}, ${cpus.length} cores (${cpus[0].model}), node ${process.version}, ` +
      `${settings.repeat} repetitions, median (min–max)`
  );
  const database = await freshDatabase();
  const strapi = await startStrapi(database);
  const tables = resolveTables(strapi);
  const token = (
    await strapi
      .service('admin::api-token')
      .create({ name: 'bench', type: 'full-access', lifespan: null, description: '' })
  ).accessKey;
  const auth = (req: request.Test) => req.set('Authorization', `Bearer ${token}`);
  const http: Http = {
    get: (url) => auth(request(strapi.server.httpServer).get(url)),
    post: (url) => auth(request(strapi.server.httpServer).post(url)),
    delete: (url) => auth(request(strapi.server.httpServer).delete(url)),
  };
  const { transformation, definition } = await seedSendingDefinition(strapi, { name: 'bench', outputType: 'pdf' });

  console.log('Run creation');
  const creation = await benchCreation(strapi, tables, http, { transformation, definition });
  const sink = await forkSmtpSink();
  strapi.config.set('plugin::message-runs.smtp', { host: '127.0.0.1', port: sink.port, secure: false });
  const large = await benchLargeRun(strapi, tables, sink, http, token, creation.largest);

  console.log('Delivery');
  const pdf = pdfOfSize(30);
  const sources: RunSources = { definition, transformation, file: await uploadSharedPdf(strapi, pdf) };
  const throughput = await benchThroughput(strapi, tables, sink, { ...sources, pdf });
  const memory = settings.memoryResults ? await benchMemory(strapi, tables, sink, sources) : undefined;
  const scaleOut = await benchScaleOut(strapi, tables, sink, sources);
  const limited = settings.limited.messages ? await benchRateLimited(strapi, tables, sink, sources) : undefined;
  await sink.stop();

  await strapi.destroy();
  await database.drop();
  fs.rmSync(archiveDir, { recursive: true, force: true });

  // The load test runs its own Strapi process on its own database, after this one has stopped.
  const load = settings.loadClients
    ? await runLoadTest({
        database: client,
        clients: settings.loadClients,
        results: Number(process.env.LOAD_RESULTS ?? 100000),
        compile: false,
        log: () => {},
      })
    : undefined;

  printSummary({ creation, large, throughput, memory, scaleOut, limited });
  if (load) {
    console.log('');
    printLoadTest(load);
  }
  process.exit(0);
})().catch((error) => {
  console.error(error);
  process.exit(1);
});
