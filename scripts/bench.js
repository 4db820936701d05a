#!/usr/bin/env node
/**
 * `npm run bench`: the figures behind the README's scale claims, on SQLite (default) or PostgreSQL
 * (DATABASE_CLIENT=postgres, local server, a fresh database `mr_bench`). Each figure is the median
 * of several repetitions, with min and max.
 *   BENCH_SIZES=1000,10000,100000  BENCH_REPEAT=5
 *   BENCH_DELIVERY_MESSAGES=2000 (throughput)  BENCH_MEMORY_RESULTS=100000 (memory; 0 leaves it out)
 */
const os = require('os');
const path = require('path');
const fs = require('fs');
const request = require('supertest');
const { Client } = require('pg');
const { compileStrapi, createStrapi } = require('@strapi/strapi');
const { seedBenchData } = require('./bench/data');
const { rawInsertResults } = require('./bench/baseline');
const { freshSecrets } = require('./lib/secrets');
const delivery = require('./bench/delivery');

const client = process.env.DATABASE_CLIENT === 'postgres' ? 'postgres' : 'sqlite';
const sizes = (process.env.BENCH_SIZES ?? '1000,10000,100000').split(',').map(Number);
const repeat = Number(process.env.BENCH_REPEAT ?? 5);
const pg = { host: process.env.DATABASE_HOST ?? '127.0.0.1', port: Number(process.env.DATABASE_PORT ?? 5432), user: process.env.DATABASE_USERNAME ?? 'postgres', password: process.env.DATABASE_PASSWORD ?? '' };

async function freshDatabase() {
  if (client === 'sqlite') {
    const dir = path.resolve('.tmp', 'bench');
    fs.rmSync(dir, { recursive: true, force: true });
    fs.mkdirSync(dir, { recursive: true });
    return { DATABASE_CLIENT: 'sqlite', DATABASE_FILENAME: path.join('.tmp', 'bench', 'bench.db') };
  }
  const admin = new Client({ ...pg, database: 'postgres' });
  await admin.connect();
  await admin.query('DROP DATABASE IF EXISTS mr_bench WITH (FORCE)');
  await admin.query('CREATE DATABASE mr_bench');
  await admin.end();
  return { DATABASE_CLIENT: 'postgres', DATABASE_NAME: 'mr_bench', DATABASE_HOST: pg.host, DATABASE_PORT: String(pg.port), DATABASE_USERNAME: pg.user, DATABASE_PASSWORD: pg.password };
}

async function startStrapi() {
  Object.assign(process.env, {
    ...(await freshDatabase()),
    ...freshSecrets(),
    LOG_LEVEL: 'error', STRAPI_STARTUP_BANNER: 'false', MESSAGE_RUNS_CRON: 'false',
  });
  const appContext = await compileStrapi({ ignoreDiagnostics: true });
  const strapi = await createStrapi(appContext).load();
  strapi.server.mount();
  return strapi;
}

async function time(fn) {
  const start = process.hrtime.bigint();
  const value = await fn();
  return { ms: Number(process.hrtime.bigint() - start) / 1e6, value };
}

const summarize = (samples) => {
  const sorted = [...samples].sort((a, b) => a - b);
  return { median: sorted[Math.floor(sorted.length / 2)], min: sorted[0], max: sorted[sorted.length - 1] };
};

async function measure(times, fn, after = async () => {}) {
  const samples = [];
  for (let i = 0; i < times; i++) {
    const { ms, value } = await time(fn);
    samples.push(ms);
    await after(value);
  }
  return summarize(samples);
}

const mb = (bytes) => `${(bytes / 1024 / 1024).toFixed(0)} MB`;

/** Messages per second of the plugin's queue and of bare pooled nodemailer, same messages, same sink. */
async function benchDelivery(strapi, tables, { definition, transformation }) {
  const messages = Number(process.env.BENCH_DELIVERY_MESSAGES ?? 2000);
  const sink = await delivery.startSink();
  const { maxConnections } = strapi.config.get('plugin::message-runs');
  strapi.config.set('plugin::message-runs.smtp', { host: '127.0.0.1', port: sink.port, secure: false });
  const pdf = delivery.pdfOfSize(30);
  const file = await delivery.uploadSharedPdf(strapi, pdf);
  const pluginMs = [];
  const bareMs = [];
  for (let i = 0; i < repeat; i++) {
    const run = await delivery.seedDeliverableRun(strapi, tables, { count: messages, definition, transformation, file, name: `deliver-${i}` });
    const before = await sink.count();
    pluginMs.push(await delivery.deliverRun(strapi, run));
    if ((await sink.count()) - before !== messages) throw new Error('the sink did not receive every message of the run');
    bareMs.push(
      await delivery.sendWithNodemailer({
        port: sink.port,
        maxConnections,
        messages: Array.from({ length: messages }, (_, n) => ({
          from: { name: 'Example Billing', address: 'billing@example.com' },
          to: { name: `Customer ${n}`, address: `billing+${n}@example.com` },
          bcc: ['archive@example.com'],
          subject: `Invoice deliver-${i}-${n}`,
          html: `<p>Dear Customer ${n} of deliver-${i}</p>`,
          attachments: [{ filename: 'invoice.pdf', contentType: 'application/pdf', content: pdf }],
        })),
      })
    );
  }
  const perSecond = (samples) => summarize(samples.map((ms) => messages / (ms / 1000)));
  const plugin = perSecond(pluginMs);
  const bare = perSecond(bareMs);
  const fmtRate = ({ median, min, max }) => `${median.toFixed(0)} msg/s (${min.toFixed(0)}–${max.toFixed(0)})`;
  console.log(`  delivery of ${messages} messages (${(pdf.length / 1024).toFixed(0)} KB PDF, Bcc, ${maxConnections} SMTP connections): plugin ${fmtRate(plugin)}; bare nodemailer ${fmtRate(bare)}; ratio ${(plugin.median / bare.median).toFixed(2)}`);

  const memoryResults = Number(process.env.BENCH_MEMORY_RESULTS ?? 100000);
  let memory;
  if (memoryResults) {
    const run = await delivery.seedDeliverableRun(strapi, tables, { count: memoryResults, definition, transformation, file, name: 'memory' });
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const idle = process.memoryUsage().rss;
    let peak = idle;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 100);
    const ms = await delivery.deliverRun(strapi, run);
    clearInterval(sampler);
    memory = { results: memoryResults, idle, peak, seconds: ms / 1000 };
    console.log(`  memory: ${memoryResults} results delivered in ${(ms / 1000).toFixed(0)} s; RSS idle ${mb(idle)}, peak ${mb(peak)} (+${mb(peak - idle)})`);
  }
  sink.stop();
  return { messages, plugin, bare, memory, fmtRate };
}

const fmt = ({ median, min, max }) => `${median.toFixed(1)} ms (${min.toFixed(1)}–${max.toFixed(1)})`;

(async () => {
  console.log(`message-runs bench: ${client}, ${os.cpus().length} cores (${os.cpus()[0].model}), node ${process.version}, ${repeat} repetitions, median (min–max)`);
  const strapi = await startStrapi();
  const { resolveTables } = require(path.resolve('dist/src/plugins/message-runs/server/src/data/tables'));
  const tables = resolveTables(strapi);
  const token = (await strapi.service('admin::api-token').create({ name: 'bench', type: 'full-access', lifespan: null, description: '' })).accessKey;
  const http = () => request(strapi.server.httpServer);
  const auth = { Authorization: `Bearer ${token}` };

  const transformation = await strapi.documents('api::invoice-transformation.invoice-transformation').create({ data: { name: 'Invoice PDF', outputType: 'pdf' } });
  await strapi.documents('api::message-sender.message-sender').create({ data: { key: 'InvoiceSending', email: 'billing@example.com' } });
  const definition = await strapi.documents('api::message-definition.message-definition').create({
    data: { name: 'Monthly invoice', fromKey: 'InvoiceSending', recipientKey: 'InvoiceEmail', subjectTemplate: 'Invoice {{invoice.label}}', bodyTemplate: '<p>{{customer.name}}</p>', invoiceTransformations: [transformation.documentId] },
  });

  const rows = [];
  let largestRun;
  for (const size of sizes) {
    const seeded = await time(() => seedBenchData(strapi, tables, { name: `bench-${size}`, invoiceCount: size, transformationId: transformation.id, recipientKey: 'InvoiceEmail' }));
    const data = seeded.value;
    // A production database has planner statistics for its tables; fresh bulk inserts don't yet.
    if (client === 'postgres') await strapi.db.connection.raw('ANALYZE');
    const body = { definition: definition.documentId, cluster: data.clusterDocumentId, includeChildren: true, periodStart: data.period[0], periodEnd: data.period[1] };
    const deleteRun = (res) => http().delete(`/api/message-runs/runs/${res.body.data.documentId}`).set(auth);

    const create = await measure(repeat, async () => {
      const res = await http().post('/api/message-runs/runs').set(auth).send(body);
      if (res.status !== 201 || res.body.data.counts.total !== size) throw new Error(`run creation: ${res.status} ${JSON.stringify(res.body).slice(0, 300)}`);
      return res;
    }, deleteRun);

    // The same rows, one hand-written statement, into the same table (a placeholder run row holds them).
    const [placeholderRun] = await strapi.db.connection(tables.runs).insert({ document_id: `bench${size}`, status: 'created', definition_snapshot: '{}', period_start: data.period[0], period_end: data.period[1], include_children: true }, ['id']);
    const raw = await measure(repeat, () =>
      strapi.db.transaction(({ trx }) => rawInsertResults(trx, tables, { client: strapi.db.dialect.client, runId: placeholderRun.id, clusterId: data.clusterId, periodStart: data.period[0], periodEnd: data.period[1], recipientKey: 'InvoiceEmail', transformationId: transformation.id, now: new Date() })),
      () => strapi.db.connection(tables.results).where('run_id', placeholderRun.id).delete()
    );
    await strapi.db.connection(tables.runs).where('id', placeholderRun.id).delete();
    rows.push({ size, seed: seeded.ms, create, raw });
    console.log(`  ${size} invoices: seeded in ${(seeded.ms / 1000).toFixed(1)} s; run created in ${fmt(create)}; raw INSERT … SELECT ${fmt(raw)}; ratio ${(create.median / raw.median).toFixed(2)}`);
    if (size === Math.max(...sizes)) {
      const res = await http().post('/api/message-runs/runs').set(auth).send(body);
      largestRun = { size, documentId: res.body.data.documentId };
    }
  }

  const page = await measure(repeat * 4, async () => {
    const res = await http().get(`/api/message-runs/runs/${largestRun.documentId}/results?page=1&pageSize=25`).set(auth);
    if (res.status !== 200 || !res.body.meta.counts) throw new Error(`results page: ${res.status}`);
  });
  const counts = await measure(repeat * 4, async () => {
    const res = await http().get(`/api/message-runs/runs/${largestRun.documentId}`).set(auth);
    if (res.status !== 200) throw new Error(`run: ${res.status}`);
  });

  console.log('');
  console.log(`| invoices | run creation (HTTP) | raw INSERT … SELECT | ratio |`);
  console.log(`|---:|---:|---:|---:|`);
  for (const row of rows) console.log(`| ${row.size} | ${fmt(row.create)} | ${fmt(row.raw)} | ${(row.create.median / row.raw.median).toFixed(2)} |`);
  console.log('');
  console.log(`On the ${largestRun.size}-result run: first results page with counts ${fmt(page)}; the run with its counts ${fmt(counts)}`);

  const deliveryFigures = await benchDelivery(strapi, tables, { definition, transformation });
  console.log('');
  console.log(`Delivery of ${deliveryFigures.messages} messages: plugin ${deliveryFigures.fmtRate(deliveryFigures.plugin)}, bare pooled nodemailer ${deliveryFigures.fmtRate(deliveryFigures.bare)}: ${((100 * deliveryFigures.plugin.median) / deliveryFigures.bare.median).toFixed(0)}% of bare`);
  if (deliveryFigures.memory) {
    const { results, idle, peak } = deliveryFigures.memory;
    console.log(`Memory while delivering ${results} results: idle ${mb(idle)}, peak ${mb(peak)}, +${mb(peak - idle)} above idle`);
  }
  await strapi.destroy();
  process.exit(0);
})().catch((error) => {
  console.error(error);
  process.exit(1);
});
