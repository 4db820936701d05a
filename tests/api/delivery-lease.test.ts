import path from 'path';
import { fork, type ChildProcess } from 'child_process';
import type { TestApp } from '../helpers/strapi';
import { startStrapiWithSink, type SmtpSink } from '../helpers/smtp';
import { seedRun } from '../helpers/bulk-run';
import { requeueExpiredClaims } from '../../src/plugins/message-runs/server/src/data/queue';
import { resolveTables } from '../../src/plugins/message-runs/server/src/data/tables';
import { resolveDialect } from '../../src/plugins/message-runs/server/src/data/dialect';

/**
 * A claim never outlives its lease while its worker is alive, and a claim another worker took over is
 * never sent by the first: with an SMTP server slower than the lease, every message arrives once.
 */
let app: TestApp;
let smtp: SmtpSink;
let stop: () => Promise<void>;
const children: ChildProcess[] = [];

beforeAll(async () => {
  ({ app, smtp, stop } = await startStrapiWithSink());
});
afterAll(async () => {
  for (const child of children) child.kill('SIGKILL');
  await stop?.();
});
beforeEach(() => smtp.reset());

const queue = () => app.strapi.plugin('message-runs').service('queue');
const runStatus = async (documentId: string) =>
  (await app.strapi.plugin('message-runs').service('runs').findOne(documentId)) as { status: string; counts: Record<string, number> };
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Ticks this instance's queue until the run is completed, or fails once `withinMs` have passed. */
async function tickUntilCompleted(runDocumentId: string, withinMs = 60_000) {
  const deadline = Date.now() + withinMs;
  while ((await runStatus(runDocumentId)).status !== 'completed') {
    if (Date.now() > deadline) throw new Error(`the run did not complete within ${withinMs / 1000} s`);
    const report = await queue().tick();
    if (!report.claimed) await sleep(200);
  }
}

/** How often each subject arrived: duplicated and lost ones named. */
function tally(subjects: string[]) {
  const delivered = new Map<string, number>();
  for (const mail of smtp.received) delivered.set(mail.parsed.subject!, (delivered.get(mail.parsed.subject!) ?? 0) + 1);
  return {
    received: smtp.received.length,
    duplicated: [...delivered].filter(([, n]) => n > 1).map(([subject]) => subject),
    lost: subjects.filter((subject) => !delivered.has(subject)),
  };
}

it('keeps the claims of a backlog longer than the lease: renewed while sent, never requeued under the worker', async () => {
  const leaseSeconds = 2;
  const { runDocumentId, subjects } = await seedRun(app.strapi, 15);
  app.strapi.config.set('plugin::message-runs.leaseSeconds', leaseSeconds);
  // Each message takes longer than a lease: only a renewed lease keeps it from being taken back.
  smtp.slowDown(3000);
  const tables = resolveTables(app.strapi);
  const dialect = resolveDialect(app.strapi);
  let requeued = 0;
  // What every other instance's tick does first, over and over while this one sends.
  let sweeping = true;
  const sweeps = (async () => {
    while (sweeping) {
      requeued += (await requeueExpiredClaims(app.strapi.db.connection, tables, dialect, new Date(), leaseSeconds)).length;
      await sleep(100);
    }
  })();
  try {
    await tickUntilCompleted(runDocumentId, 30_000);
  } finally {
    sweeping = false;
    await sweeps;
    smtp.slowDown(0);
    app.strapi.config.set('plugin::message-runs.leaseSeconds', 300);
  }

  expect({ requeued, ...tally(subjects) }).toEqual({ requeued: 0, received: 15, duplicated: [], lost: [] });
  expect((await runStatus(runDocumentId)).counts).toMatchObject({ total: 15, sent: 15 });
});

const describeOnPostgres = process.env.TEST_DATABASE === 'postgres' ? describe : describe.skip;

describeOnPostgres('two instances on PostgreSQL', () => {
  it('send every message of a slow server exactly once with a lease shorter than the backlog', async () => {
    const leaseSeconds = 10;
    const { runDocumentId, subjects } = await seedRun(app.strapi, 100);
    app.strapi.config.set('plugin::message-runs.leaseSeconds', leaseSeconds);
    smtp.slowDown(2000);
    const worker = fork(path.join(__dirname, '..', 'helpers', 'worker.js'), [], {
      env: { ...process.env, WORKER_LEASE_SECONDS: String(leaseSeconds) },
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    });
    children.push(worker);
    await new Promise((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('exit', (code) => reject(new Error(`worker exited with ${code} before it was ready`)));
    });
    const workerDone = new Promise<Record<string, number>>((resolve) =>
      worker.on('message', (message: any) => message.done && resolve(message.done))
    );
    try {
      // The other instance keeps ticking until the run is done, ready to take over any expired claim.
      worker.send({ go: { run: runDocumentId } });
      await tickUntilCompleted(runDocumentId);
      const other = await workerDone;
      expect(other.sent).toBeGreaterThan(0);
    } finally {
      smtp.slowDown(0);
      app.strapi.config.set('plugin::message-runs.leaseSeconds', 300);
    }

    expect(tally(subjects)).toEqual({ received: 100, duplicated: [], lost: [] });
    expect((await runStatus(runDocumentId)).counts).toMatchObject({ total: 100, sent: 100 });
  });
});
