import { startStrapi, type TestApp } from '../helpers/strapi';
import { deliveriesOf, startSmtpSink, type SmtpSink } from '../helpers/smtp';
import { deliveryWorkers, finished } from '../helpers/workers';
import { seedRun } from '../helpers/bulk-run';

/**
 * Several Strapi instances against one database share a run's delivery: each result is sent once.
 * PostgreSQL: three worker processes. SQLite (single-instance by design): this instance alone.
 */
const RESULTS = 5000;
const WORKERS = process.env.TEST_DATABASE === 'postgres' ? 3 : 0;

let app: TestApp;
let smtp: SmtpSink;
const workers = deliveryWorkers();

beforeAll(async () => {
  smtp = await startSmtpSink();
  app = await startStrapi({ SMTP_HOST: '127.0.0.1', SMTP_PORT: String(smtp.port) });
});
afterAll(async () => {
  workers.kill();
  await app?.stop();
  await smtp?.stop();
});

it(`delivers ${RESULTS} results exactly once with ${WORKERS ? `${WORKERS} instances` : 'one instance'}`, async () => {
  const { runDocumentId, subjects } = await seedRun(app.strapi, RESULTS);
  const queue = app.strapi.plugin('message-runs').service('queue');

  if (WORKERS) {
    const started = await workers.start(WORKERS);
    const reports = started.map(finished);
    for (const worker of started) worker.send('go');
    const done = await Promise.all(reports);
    // Every instance took part.
    for (const report of done) expect(report.sent).toBeGreaterThan(0);
    expect(done.reduce((sum, report) => sum + report.sent, 0)).toBe(RESULTS);
  } else {
    while ((await queue.tick()).claimed) {}
  }

  const { duplicated, lost } = deliveriesOf(smtp.received, subjects);
  expect({ received: smtp.received.length, duplicated: duplicated.length, lost: lost.length }).toEqual({ received: RESULTS, duplicated: 0, lost: 0 });
  const run = await app.strapi.plugin('message-runs').service('runs').findOne(runDocumentId);
  expect(run.counts).toMatchObject({ total: RESULTS, sent: RESULTS });
  // Exactly once is the claim here, not speed (npm run bench measures that): a busy CI machine may take long.
}, 300_000);

it('sends the results of a worker killed mid-batch once its claims expire, none lost', async () => {
  const { subjects } = await seedRun(app.strapi, 300);
  smtp.received.length = 0;
  smtp.slowDown(30);
  const [doomed] = await workers.start(1);
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

  const { duplicated, lost } = deliveriesOf(smtp.received, subjects);
  expect(lost).toEqual([]);
  expect(duplicated.filter((subject) => !unrecorded.includes(subject))).toEqual([]);
});
