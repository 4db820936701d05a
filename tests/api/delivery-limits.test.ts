import { startStrapi, type TestApp } from '../helpers/strapi';
import { busiestWindow, deliveriesOf, startSmtpSink, type SmtpSink } from '../helpers/smtp';
import { deliverWithWorkers, deliveryWorkers } from '../helpers/workers';
import { deliveryWorld } from '../helpers/delivery';
import { seedRun } from '../helpers/bulk-run';
import { RECIPIENT_KEY, runWorld } from '../helpers/runs';

/**
 * The rate limits (DESIGN.md §3) measured where a provider measures them: by when the SMTP server
 * receives each message. PostgreSQL: three worker processes share the limit. SQLite (single-instance
 * by design): this instance alone.
 */
const WORKERS = process.env.TEST_DATABASE === 'postgres' ? 3 : 0;

let app: TestApp;
let smtp: SmtpSink;
let delivery: ReturnType<typeof deliveryWorld>;
const workers = deliveryWorkers();

beforeAll(async () => {
  smtp = await startSmtpSink();
  app = await startStrapi({ SMTP_HOST: '127.0.0.1', SMTP_PORT: String(smtp.port) });
  delivery = deliveryWorld(app);
});
afterAll(async () => {
  workers.kill();
  await app?.stop();
  await smtp?.stop();
});
beforeEach(() => {
  smtp.received.length = 0;
});
// A worker still delivering after a failed test would take the next test's results.
afterEach(() => workers.kill());

const setConfig = (values: Record<string, unknown>) => {
  for (const [key, value] of Object.entries(values)) app.strapi.config.set(`plugin::message-runs.${key}`, value);
};
const queue = () => app.strapi.plugin('message-runs').service('queue');
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Ticks this instance until it finds nothing to claim. */
async function tickUntilIdle() {
  while ((await queue().tick()).claimed) {}
}

/** Delivers a run under the cluster-wide limits: by the worker processes when there are, else by this instance. */
async function deliverUnder(runDocumentId: string, { perMinute = 0, perSecond = 0 }, { instances = WORKERS } = {}) {
  if (instances) {
    const reports = await deliverWithWorkers(workers, instances, runDocumentId, {
      MESSAGE_RATE_LIMIT: String(perMinute),
      MESSAGE_RATE_LIMIT_PER_SECOND: String(perSecond),
    });
    // Every instance took part: the limit held across them, not because one did all the work.
    for (const report of reports) expect(report.sent).toBeGreaterThan(0);
    return;
  }
  setConfig({ rateLimitPerMinute: perMinute, rateLimitPerSecond: perSecond });
  try {
    await tickUntilIdle();
  } finally {
    setConfig({ rateLimitPerMinute: 0, rateLimitPerSecond: 0 });
  }
}

async function expectDeliveredOnce(runDocumentId: string, subjects: string[]) {
  const { duplicated, lost } = deliveriesOf(smtp.received, subjects);
  expect({ received: smtp.received.length, duplicated, lost }).toEqual({ received: subjects.length, duplicated: [], lost: [] });
  const run = await app.strapi.plugin('message-runs').service('runs').findOne(runDocumentId);
  expect(run).toMatchObject({ status: 'completed', counts: { sent: subjects.length } });
}

it(`keeps to the per-minute limit over every 60 s and every 1 s window with ${WORKERS || 1} instance(s)`, async () => {
  // More messages than the limit: the run outlasts a minute, so a 60 s window can overflow.
  const perMinute = 120;
  const perSecond = 20;
  const { runDocumentId, subjects } = await seedRun(app.strapi, perMinute + 10);

  await deliverUnder(runDocumentId, { perMinute, perSecond });

  await expectDeliveredOnce(runDocumentId, subjects);
  expect(busiestWindow(smtp.received, 60_000)).toBeLessThanOrEqual(perMinute);
  // Spread evenly: no second carries more than twice its share of the minute.
  expect(busiestWindow(smtp.received, 1_000)).toBeLessThanOrEqual(Math.min(perSecond, Math.ceil(perMinute / 60) * 2));
});

it('keeps to the per-second limit alone over every 1 s window', async () => {
  const perSecond = 10;
  const { runDocumentId, subjects } = await seedRun(app.strapi, 5 * perSecond);

  // This instance alone: the first test shows the instances share the limit.
  await deliverUnder(runDocumentId, { perSecond }, { instances: 0 });

  await expectDeliveredOnce(runDocumentId, subjects);
  expect(busiestWindow(smtp.received, 1_000)).toBeLessThanOrEqual(perSecond);
});

it('holds back a domain at its limit without slowing the other domains', async () => {
  const perMinute = 6;
  const spacingMs = 60_000 / perMinute;
  const world = runWorld(app.strapi);
  const definition = await world.definition();
  const cluster = await world.make.cluster();
  const at = (address: string) => ({ emailAddresses: [{ key: RECIPIENT_KEY, address }] });
  for (let i = 0; i < 12; i++) await world.customerWithInvoice({ cluster, definition, customer: at(`fast${i}@example.com`) });
  for (let i = 0; i < 4; i++) await world.customerWithInvoice({ cluster, definition, customer: at(`slow${i}@slow.test`) });
  const runs = app.strapi.plugin('message-runs').service('runs');
  const { run } = await runs.create(world.criteria(definition, cluster));
  await runs.transition(run.documentId, 'start');
  setConfig({ domainRateLimits: { 'slow.test': perMinute } });
  try {
    const startedAt = Date.now();
    await queue().tick();

    const toDomain = (domain: string) => smtp.received.filter((mail) => mail.envelope.to[0].endsWith(`@${domain}`));
    // Every other message went in this tick, none waited for slow.test's room (which comes a spacing
    // after the start: a message held for it would arrive later than that, however fast the machine).
    expect(toDomain('example.com')).toHaveLength(12);
    for (const mail of toDomain('example.com')) expect(mail.receivedAt - startedAt).toBeLessThan(spacingMs);
    const [firstSlow, ...none] = toDomain('slow.test');
    expect(none).toEqual([]);

    // The rest of slow.test is queued again, due when its domain has room, one spacing apart; not an attempt.
    const deferred = (await delivery.resultsOf(run.documentId)).filter((result) => result.status !== 'sent');
    expect(deferred.map((result) => [result.status, result.recipient, result.attempts])).toEqual(
      [1, 2, 3].map(() => ['queued', expect.stringMatching(/@slow\.test$/), 0])
    );
    const dueAt = deferred.map((result) => new Date(result.nextAttemptAt).getTime()).sort((a, b) => a - b);
    expect(dueAt[0] - startedAt).toBeGreaterThanOrEqual(spacingMs);
    for (let i = 1; i < dueAt.length; i++) expect(dueAt[i] - dueAt[i - 1]).toBeGreaterThanOrEqual(spacingMs - 1);

    // Once due, the next one goes, about a spacing after the first (which opened a new connection).
    await sleep(dueAt[0] - Date.now());
    await queue().tick();
    const [, secondSlow] = toDomain('slow.test');
    expect(secondSlow.receivedAt - firstSlow.receivedAt).toBeGreaterThanOrEqual(spacingMs - 500);
  } finally {
    setConfig({ domainRateLimits: {} });
    await runs.transition(run.documentId, 'stop');
  }
});
