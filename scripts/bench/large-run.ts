/**
 * The figures of the largest run of the bench (a million results with BENCH_SIZES=1000000): results
 * pages anywhere in it, with and without a status filter and a sort, by page number and by cursor;
 * the run with its counts; its CSV export; and delivery of its first messages. Export and delivery run
 * in a fresh Strapi process each, whose RSS is sampled: this process seeded the data, and its
 * allocator keeps what that took.
 */
import type { Core } from '@strapi/strapi';
import { fork, type ChildProcess } from 'child_process';
import http from 'http';
import path from 'path';
import type { Tables } from '../lib/plugin';
import { pluginService } from '../lib/plugin';
import type { SinkProcess } from '../lib/smtp-sink-client';
import { waitForCount } from './delivery';
import { processRssBytes } from './proc';

/** The bench's requests to its Strapi, with an API token. */
export interface BenchHttp {
  get(url: string): PromiseLike<{ status: number; body: unknown }>;
}
export interface Summary {
  median: number;
  min: number;
  max: number;
}
type Measure = (times: number, fn: () => Promise<unknown>) => Promise<Summary>;

export interface LargeRun {
  size: number;
  documentId: string;
}

const PAGE_SIZE = 25;
const HELPERS = path.resolve(__dirname, '..', '..', 'tests', 'helpers');

/** One line of the reading table: what was asked, and how long it took. */
export interface ReadingRow {
  what: string;
  time: Summary;
}

/**
 * Pages of the run: first, middle and last, by page number (each answer carries the run's counts),
 * then the same depths by cursor (the cursor of the middle and last pages is the one the page before
 * them answers with), for the plain list and for a status filter with sorts on a result column and on
 * a customer column; and the run with its counts alone.
 */
export async function benchLargeRunReading(
  http: BenchHttp,
  run: LargeRun,
  { repeat, measure, status }: { repeat: number; measure: Measure; status: string }
): Promise<ReadingRow[]> {
  const base = `/api/message-runs/runs/${run.documentId}/results`;
  const rows: ReadingRow[] = [];
  const page = async (query: string) => {
    const res = await http.get(`${base}?pageSize=${PAGE_SIZE}&${query}`);
    if (res.status !== 200) throw new Error(`results page ${query}: ${res.status} ${JSON.stringify(res.body).slice(0, 300)}`);
    return res.body as { data: unknown[]; meta: { pagination?: { pageCount: number }; cursor: string | null; counts: { total: number } } };
  };
  const time = async (what: string, query: string) => {
    rows.push({ what, time: await measure(repeat, () => page(query)) });
  };
  const lists = [
    { label: 'all results, default order', query: '' },
    { label: `status ${status}, by sentAt desc`, query: `status=${status}&sort=sentAt:desc` },
    { label: `status ${status}, by customer name`, query: `status=${status}&sort=customer.name:asc` },
    { label: 'all results, by recipient desc', query: 'sort=recipient:desc' },
  ];
  for (const { label, query } of lists) {
    const first = await page(`page=1&${query}`);
    const pageCount = first.meta.pagination!.pageCount;
    if (pageCount < 3) throw new Error(`${label}: only ${pageCount} pages; the bench needs a run with more`);
    const middle = Math.ceil(pageCount / 2);
    await time(`${label}: first page (page=1)`, `page=1&${query}`);
    await time(`${label}: middle page (page=${middle})`, `page=${middle}&${query}`);
    await time(`${label}: last page (page=${pageCount})`, `page=${pageCount}&${query}`);
    for (const [name, before] of [['middle', middle - 1], ['last', pageCount - 1]] as const) {
      const { cursor } = (await page(`page=${before}&${query}`)).meta;
      if (!cursor) throw new Error(`${label}: page ${before} of ${pageCount} answered no cursor`);
      await time(`${label}: ${name} page by cursor`, `cursor=${encodeURIComponent(cursor)}&${query}`);
    }
  }
  rows.push({
    what: 'the run with its counts',
    time: await measure(repeat, async () => {
      const res = await http.get(`/api/message-runs/runs/${run.documentId}`);
      const answer = res.body as { data: { counts: { total: number } } };
      if (res.status !== 200 || answer.data.counts.total !== run.size) throw new Error(`run: ${res.status}`);
    }),
  });
  return rows;
}

/** A fresh Strapi process of the compiled app, on the bench's database and secrets (its env). */
function forkHelper<Ready>(file: 'http-instance.js' | 'worker.js', env: NodeJS.ProcessEnv = {}) {
  const child = fork(path.join(HELPERS, file), [], { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const firstMessage = new Promise<Ready>((resolve, reject) => {
    child.once('message', resolve);
    child.once('exit', (code) => reject(new Error(`a bench ${file} process exited with ${code} before it was ready`)));
  });
  return { child, exited, firstMessage };
}

/** The highest RSS of a process, sampled every 50 ms until `stop()`. */
function sampleRss(child: ChildProcess) {
  let peak = processRssBytes(child.pid!);
  const timer = setInterval(() => (peak = Math.max(peak, processRssBytes(child.pid!))), 50);
  return {
    stop() {
      clearInterval(timer);
      return Math.max(peak, processRssBytes(child.pid!));
    },
  };
}

/** A POST with a JSON body to a local port, its JSON answer. */
function postJson(port: number, url: string, token: string, body: unknown) {
  return new Promise<{ status: number; body: unknown }>((resolve, reject) => {
    const req = http.request(
      { host: '127.0.0.1', port, path: url, method: 'POST', headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode!, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) }));
        res.on('error', reject);
      }
    );
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
}

/** The run created over HTTP by a fresh Strapi process: its time, and that process's RSS idle and at its highest. */
export async function benchLargeRunCreation(token: string, body: Record<string, unknown>, size: number) {
  const server = forkHelper<{ port: number }>('http-instance.js');
  const { port } = await server.firstMessage;
  const idle = processRssBytes(server.child.pid!);
  const rss = sampleRss(server.child);
  const start = process.hrtime.bigint();
  const res = await postJson(port, '/api/message-runs/runs', token, body);
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  const peak = rss.stop();
  server.child.kill();
  await server.exited;
  const answer = res.body as { data?: { documentId: string; counts: { total: number } } };
  if (res.status !== 201 || answer.data?.counts.total !== size) {
    throw new Error(`run creation: ${res.status} ${JSON.stringify(res.body).slice(0, 300)}`);
  }
  return { run: { size, documentId: answer.data.documentId }, ms, idle, peak };
}

/**
 * The run's CSV export from a fresh Strapi process over HTTP, read as it streams (nothing kept here):
 * its time, size, rows per second, and the serving process's RSS idle and at its highest. With
 * `heapMb`, that process's V8 heap is capped: an export that held its rows would fail, where one that
 * streams only leaves garbage, which V8 then collects sooner instead of letting the heap grow.
 */
export async function benchExport(run: LargeRun, token: string, { heapMb }: { heapMb?: number } = {}) {
  const server = forkHelper<{ port: number }>('http-instance.js', heapMb ? { NODE_OPTIONS: `--max-old-space-size=${heapMb}` } : {});
  const { port } = await server.firstMessage;
  const idle = processRssBytes(server.child.pid!);
  const rss = sampleRss(server.child);
  const start = process.hrtime.bigint();
  const { bytes, lines } = await new Promise<{ bytes: number; lines: number }>((resolve, reject) => {
    const req = http.get(
      { host: '127.0.0.1', port, path: `/api/message-runs/runs/${run.documentId}/results/export`, headers: { Authorization: `Bearer ${token}` } },
      (res) => {
        if (res.statusCode !== 200) reject(new Error(`export: ${res.statusCode}`));
        let bytes = 0;
        let lines = 0;
        res.on('data', (chunk: Buffer) => {
          bytes += chunk.length;
          for (const byte of chunk) if (byte === 10) lines += 1;
        });
        res.on('end', () => resolve({ bytes, lines }));
        res.on('error', reject);
      }
    );
    req.on('error', reject);
  });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  const peak = rss.stop();
  server.child.kill();
  await server.exited;
  // A header line, then one line per result (no field of the bench's data holds a line break).
  if (lines - 1 !== run.size) throw new Error(`export: ${lines - 1} rows for ${run.size} results`);
  return { rows: lines - 1, bytes, ms, idle, peak };
}

/**
 * The run delivered by a fresh worker process until the sink has `messages` of it, then stopped: the
 * rate, and the worker's RSS idle and at its highest while it took its batches from the large run.
 */
export async function benchLargeRunDelivery(
  strapi: Core.Strapi,
  tables: Tables,
  sink: SinkProcess,
  run: LargeRun,
  messages: number
) {
  const worker = forkHelper<{ ready: string }>('worker.js', { SMTP_HOST: '127.0.0.1', SMTP_PORT: String(sink.port) });
  await worker.firstMessage;
  const done = new Promise<{ done: { sent: number } }>((resolve) =>
    worker.child.on('message', (message: { done?: { sent: number } }) => message.done && resolve(message as { done: { sent: number } }))
  );
  const idle = processRssBytes(worker.child.pid!);
  const rss = sampleRss(worker.child);
  const before = await sink.count();
  const start = process.hrtime.bigint();
  await pluginService(strapi, 'runs').transition(run.documentId, 'start');
  worker.child.send({ go: { run: run.documentId } });
  await waitForCount(sink, before + messages);
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  await pluginService(strapi, 'runs').transition(run.documentId, 'stop');
  const { done: report } = await done;
  const peak = rss.stop();
  await worker.exited;
  const [{ n: sending }] = await strapi.db
    .connection(tables.results)
    .join(tables.runs, `${tables.runs}.id`, `${tables.results}.run_id`)
    .where(`${tables.runs}.document_id`, run.documentId)
    .where(`${tables.results}.status`, 'sending')
    .count({ n: '*' });
  if (Number(sending) !== 0) throw new Error(`delivery: ${sending} results still sending after the stop`);
  return { messages, sent: report.sent, perSecond: messages / (ms / 1000), idle, peak };
}
