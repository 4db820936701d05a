import { startStrapi, type TestApp } from '../helpers/strapi';
import { deliveryWorld } from '../helpers/delivery';
import { freePort, startSmtpSink } from '../helpers/smtp';

/** The SMTP server is down when the run starts, and comes back later. */
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

it('keeps results waiting to retry while the server is down, and sends them once it is back', async () => {
  const w = await delivery.world();
  for (let i = 0; i < 3; i++) await w.invoiceWithPdf(await w.customer(`Down ${i}`, `down${i}@example.com`), `INV-DOWN-${i}`);
  const run = await delivery.createAndStart(w.cluster, w.definition);

  await delivery.services().queue.tick();
  const waiting = await delivery.resultsOf(run.documentId);
  expect(waiting.map((r) => r.status)).toEqual(['retrying', 'retrying', 'retrying']);
  for (const result of waiting) {
    expect(result.reason).toBe('smtp-transient');
    expect(result.error).toMatch(/ECONNREFUSED|connect/i);
  }
  expect((await delivery.services().runs.findOne(run.documentId)).status).toBe('running');

  const smtp = await startSmtpSink(port);
  try {
    await delivery.makeRetriesDue();
    await delivery.services().queue.tick();
    const sent = await delivery.resultsOf(run.documentId);
    expect(sent.map((r) => [r.status, r.attempts])).toEqual([
      ['sent', 2],
      ['sent', 2],
      ['sent', 2],
    ]);
    expect(smtp.received.map((mail) => mail.envelope.to[0]).sort()).toEqual(['down0@example.com', 'down1@example.com', 'down2@example.com']);
  } finally {
    await smtp.stop();
  }
});

it('fails a result for good after the last retry delay', async () => {
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
  expect(result.error).toMatch(/gave up after 5 attempts/);
  expect((await delivery.services().runs.findOne(run.documentId)).status).toBe('completed');
});
