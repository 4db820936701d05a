import { startStrapi, type TestApp } from '../helpers/strapi';
import { deliveryWorld } from '../helpers/delivery';
import { freePort, startSmtpSink } from '../helpers/smtp';

/** The SMTP server is down when the run starts, and comes back later; or it answers a transient 4xx. */
let app: TestApp;
let port: number;
let delivery: ReturnType<typeof deliveryWorld>;

beforeAll(async () => {
  port = await freePort();
  app = await startStrapi({ SMTP_HOST: '127.0.0.1', SMTP_PORT: String(port) });
  delivery = deliveryWorld(app);
});
afterAll(async () => {
  await delivery?.cleanUp();
  await app?.stop();
});

it('keeps results waiting to retry soon while the server is down, attempts not counted, and sends them once it is back', async () => {
  const w = await delivery.world();
  for (let i = 0; i < 3; i++) await w.invoiceWithPdf(await w.customer(`Down ${i}`, `down${i}@example.com`), `INV-DOWN-${i}`);
  const run = await delivery.createAndStart(w.cluster, w.definition);
  const { throttleRetrySeconds } = app.strapi.config.get('plugin::message-runs') as { throttleRetrySeconds: number };

  const before = Date.now();
  await delivery.services().queue.tick();
  const after = Date.now();
  const waiting = await delivery.resultsOf(run.documentId);
  expect(waiting.map((r) => [r.status, r.reason, r.attempts])).toEqual([1, 2, 3].map(() => ['retrying', 'smtp-unavailable', 0]));
  for (const result of waiting) {
    expect(result.error).toMatch(/ECONNREFUSED|connect/i);
    // After throttleRetrySeconds, not on the retry schedule: the message never reached a mailbox.
    const dueIn = new Date(result.nextAttemptAt).getTime();
    expect(dueIn).toBeGreaterThanOrEqual(before + throttleRetrySeconds * 1000 - 1000);
    expect(dueIn).toBeLessThanOrEqual(after + throttleRetrySeconds * 1000);
  }
  expect((await delivery.services().runs.findOne(run.documentId)).status).toBe('running');

  const smtp = await startSmtpSink(port);
  try {
    await delivery.makeRetriesDue();
    await delivery.services().queue.tick();
    const sent = await delivery.resultsOf(run.documentId);
    expect(sent.map((r) => [r.status, r.attempts])).toEqual([
      ['sent', 1],
      ['sent', 1],
      ['sent', 1],
    ]);
    expect(smtp.received.map((mail) => mail.envelope.to[0]).sort()).toEqual(['down0@example.com', 'down1@example.com', 'down2@example.com']);
  } finally {
    await smtp.stop();
  }
});

it('fails a result for good after the last retry delay of a transient 4xx', async () => {
  // A 450 is the mailbox's trouble, not throttling: it follows the retry schedule.
  const smtp = await startSmtpSink(port);
  smtp.answerMessages(() => ({ code: 450, message: 'Mailbox busy, try again later' }));
  try {
    const w = await delivery.world();
    await w.invoiceWithPdf(await w.customer('Never', 'never@example.com'), 'INV-NEVER');
    const run = await delivery.createAndStart(w.cluster, w.definition);
    const { retryDelays } = app.strapi.config.get('plugin::message-runs') as { retryDelays: number[] };
    for (let attempt = 0; attempt <= retryDelays.length; attempt++) {
      await delivery.makeRetriesDue();
      await delivery.services().queue.tick();
    }
    const [result] = await delivery.resultsOf(run.documentId);
    expect(result).toMatchObject({ status: 'failed', reason: 'smtp-transient', attempts: retryDelays.length + 1 });
    expect(result.error).toMatch(/450.*gave up after 5 attempts/);
    expect((await delivery.services().runs.findOne(run.documentId)).status).toBe('completed');
  } finally {
    await smtp.stop();
  }
});
