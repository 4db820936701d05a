/**
 * Delivery by separate Strapi processes (tests/helpers/worker.js) to the SMTP sink. Scale-out on
 * PostgreSQL: the same kind of run delivered by 1, 2, … processes, with the share of a core each
 * process used, so that the point where the machine's cores run out is visible. Memory: one fresh
 * process's RSS before it starts (idle) and at its highest while it delivers.
 */
import type { Core } from '@strapi/strapi';
import path from 'path';
import { fork } from 'child_process';
import { processCpuMs, commandCpuMs, processRssBytes } from './proc';
import { pluginService, type Tables } from '../lib/plugin';
import type { SinkProcess } from '../lib/smtp-sink-client';
import { seedDeliverableRun, waitForCount, type RunSources } from './delivery';

/** What a worker reports when it has nothing left to do. */
interface WorkerDone {
  done: { sent: number };
  cpuMs: number;
}

const WORKER = path.resolve(__dirname, '..', '..', 'tests', 'helpers', 'worker.js');

function startWorker(env: Record<string, string>) {
  const child = fork(WORKER, [], { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  const ready = new Promise<void>((resolve, reject) => {
    child.once('message', () => resolve());
    child.once('exit', (code) => reject(new Error(`a bench worker exited with ${code} before it was ready`)));
  });
  const done = new Promise<WorkerDone>((resolve) =>
    child.on('message', (message: Partial<WorkerDone>) => message.done && resolve(message as WorkerDone))
  );
  const exited = new Promise((resolve) => child.once('exit', resolve));
  return { child, ready, done, exited };
}

/**
 * Delivers a fresh run of `messages` with `instances` worker processes (`env` adds to theirs, e.g. rate
 * limits); throughput, CPU shares, RSS, and when the sink received each of the run's messages.
 */
export async function deliverWithInstances(
  strapi: Core.Strapi,
  tables: Tables,
  sink: SinkProcess,
  { instances, messages, definition, transformation, file, env = {} }: RunSources & { instances: number; messages: number; env?: Record<string, string> }
) {
  const run = await seedDeliverableRun(strapi, tables, {
    count: messages,
    definition,
    transformation,
    file,
    name: `scale-${instances}-${Date.now()}`,
  });
  const workers = Array.from({ length: instances }, () =>
    startWorker({ SMTP_HOST: '127.0.0.1', SMTP_PORT: String(sink.port), ...env })
  );
  await Promise.all(workers.map((worker) => worker.ready));
  const idleRss = workers.map((worker) => processRssBytes(worker.child.pid!));
  const peakRss = [...idleRss];
  const sampleRss = setInterval(() => {
    workers.forEach((worker, i) => (peakRss[i] = Math.max(peakRss[i], processRssBytes(worker.child.pid!))));
  }, 50);

  const before = { sink: processCpuMs(sink.pid), postgres: commandCpuMs('postgres'), received: await sink.count() };
  const start = process.hrtime.bigint();
  await pluginService(strapi, 'runs').transition(run.documentId, 'start');
  for (const worker of workers) worker.child.send('go');
  await waitForCount(sink, before.received + messages);
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  const receivedAt = (await sink.times()).slice(before.received);
  const cpu = { sink: processCpuMs(sink.pid) - before.sink, postgres: commandCpuMs('postgres') - before.postgres };
  const reports = await Promise.all(workers.map((worker) => worker.done));
  clearInterval(sampleRss);
  await Promise.all(workers.map((worker) => worker.exited));

  const sent = reports.reduce((sum, report) => sum + report.done.sent, 0);
  if (sent !== messages) throw new Error(`scale-out with ${instances}: ${sent} of ${messages} recorded as sent`);
  return {
    instances,
    perSecond: messages / (ms / 1000),
    // Worker CPU includes its last idle polls after the sink had everything: a slight overstatement.
    workerShares: reports.map((report) => report.cpuMs / ms),
    sinkShare: cpu.sink / ms,
    postgresShare: cpu.postgres / ms,
    idleRss,
    peakRss,
    receivedAt,
  };
}
