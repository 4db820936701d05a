import path from 'path';
import { fork, type ChildProcess } from 'child_process';
import { startStrapi, type TestApp } from '../helpers/strapi';
import { startSmtpSink } from '../helpers/smtp';
import { seedRun } from '../helpers/bulk-run';

/**
 * Several Strapi instances against one database share a run's delivery: each result is sent once.
 * PostgreSQL: three worker processes. SQLite (single-instance by design): this instance alone.
 */
const RESULTS = 5000;
const WORKERS = process.env.TEST_DATABASE === 'postgres' ? 3 : 0;

let app: TestApp;
let smtp: Awaited<ReturnType<typeof startSmtpSink>>;
const children: ChildProcess[] = [];

beforeAll(async () => {
  smtp = await startSmtpSink();
  app = await startStrapi({ SMTP_HOST: '127.0.0.1', SMTP_PORT: String(smtp.port) });
});
afterAll(async () => {
  for (const child of children) child.kill('SIGKILL');
  await app?.stop();
  await smtp?.stop();
});

/** Starts worker processes on this test's database; resolves once each has booted. */
async function startWorkers(count: number, env: Record<string, string> = {}) {
  const workers = Array.from({ length: count }, () => {
    const child = fork(path.join(__dirname, '..', 'helpers', 'worker.js'), [], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    });
    children.push(child);
    return child;
  });
  await Promise.all(workers.map((child) => new Promise((resolve, reject) => {
    child.once('message', resolve);
    child.once('exit', (code) => reject(new Error(`worker exited with ${code} before it was ready`)));
  })));
  return workers;
}

const finished = (child: ChildProcess) =>
  new Promise<Record<string, number>>((resolve, reject) => {
    child.on('message', (message: any) => message.done && resolve(message.done));
    child.once('exit', (code) => code !== 0 && reject(new Error(`worker exited with ${code}`)));
  });

it(`delivers ${RESULTS} results exactly once with ${WORKERS ? `${WORKERS} instances` : 'one instance'}`, async () => {
  const { runDocumentId, subjects } = await seedRun(app.strapi, RESULTS);
  const queue = app.strapi.plugin('message-runs').service('queue');

  if (WORKERS) {
    const workers = await startWorkers(WORKERS);
    const reports = workers.map(finished);
    for (const worker of workers) worker.send('go');
    const done = await Promise.all(reports);
    // Every instance took part.
    for (const report of done) expect(report.sent).toBeGreaterThan(0);
    expect(done.reduce((sum, report) => sum + report.sent, 0)).toBe(RESULTS);
  } else {
    while ((await queue.tick()).claimed) {}
  }

  const delivered = new Map<string, number>();
  for (const mail of smtp.received) delivered.set(mail.parsed.subject!, (delivered.get(mail.parsed.subject!) ?? 0) + 1);
  const duplicated = [...delivered.values()].filter((n) => n > 1).length;
  const lost = subjects.filter((subject) => !delivered.has(subject)).length;
  expect({ received: smtp.received.length, duplicated, lost }).toEqual({ received: RESULTS, duplicated: 0, lost: 0 });
  const run = await app.strapi.plugin('message-runs').service('runs').findOne(runDocumentId);
  expect(run.counts).toMatchObject({ total: RESULTS, sent: RESULTS });
});

it('sends the results of a worker killed mid-batch once its claims expire, none lost', async () => {
  const { subjects } = await seedRun(app.strapi, 300);
  smtp.received.length = 0;
  smtp.slowDown(30);
  const [doomed] = await startWorkers(1);
  doomed.send('go');
  while (smtp.received.length < 40) await new Promise((resolve) => setTimeout(resolve, 20));
  doomed.kill('SIGKILL');
  await new Promise((resolve) => doomed.once('exit', resolve));
  smtp.slowDown(0);

  // The dead worker's claims without a recorded outcome: among them are the messages it had handed to
  // SMTP (some may still be arriving at the sink), the only ones allowed twice.
  const stillClaimed: { subject: string }[] = await app.strapi.db
    .connection('message_results as r')
    .join('invoices as i', 'i.id', 'r.invoice_id')
    .select(app.strapi.db.connection.raw(`'Invoice ' || i.number as subject`))
    .where('r.status', 'sending');
  const unrecorded = stillClaimed.map((row) => row.subject);
  expect(unrecorded.length).toBeGreaterThan(0);

  // Another instance (this one) takes over once the claims' lease has run out.
  app.strapi.config.set('plugin::message-runs.leaseSeconds', 1);
  await new Promise((resolve) => setTimeout(resolve, 1100));
  const queue = app.strapi.plugin('message-runs').service('queue');
  while ((await queue.tick()).claimed) {}

  const delivered = new Map<string, number>();
  for (const mail of smtp.received) delivered.set(mail.parsed.subject!, (delivered.get(mail.parsed.subject!) ?? 0) + 1);
  const duplicated = [...delivered].filter(([, n]) => n > 1).map(([subject]) => subject);
  const lost = subjects.filter((subject) => !delivered.has(subject));
  expect(lost).toEqual([]);
  expect(duplicated.filter((subject) => !unrecorded.includes(subject))).toEqual([]);
});

it('keeps to the rate limit across all instances sharing the database', async () => {
  const limit = 10;
  await seedRun(app.strapi, 3 * limit);
  smtp.received.length = 0;
  if (WORKERS) {
    const workers = await startWorkers(2, { MESSAGE_RATE_LIMIT: String(limit) });
    const reports = workers.map(finished);
    for (const worker of workers) worker.send('go');
    await Promise.all(reports);
  } else {
    app.strapi.config.set('plugin::message-runs.rateLimitPerMinute', limit);
    const queue = app.strapi.plugin('message-runs').service('queue');
    await queue.tick();
    await queue.tick();
    app.strapi.config.set('plugin::message-runs.rateLimitPerMinute', 0);
  }
  const windows: { minute: number; sent: number }[] = await app.strapi.db.query('plugin::message-runs.send-window').findMany();
  // Each minute's count is what was sent in it, and no minute went over the limit.
  expect(windows.reduce((sum, window) => sum + window.sent, 0)).toBe(smtp.received.length);
  for (const window of windows) expect(window.sent).toBeLessThanOrEqual(limit);
  expect(smtp.received.length).toBeGreaterThanOrEqual(limit);
  expect(smtp.received.length).toBeLessThanOrEqual(limit * windows.length);
});
