import fs from 'fs';
import path from 'path';
import type { TestApp } from '../helpers/strapi';
import { createApiToken } from '../helpers/auth';
import { startDeliveryApp, type DeliveryWorld } from '../helpers/delivery';
import type { SmtpSink } from '../helpers/smtp';
import { UIDS } from '../helpers/fixtures';
import { runsApi } from '../helpers/runs';

/** A result records what really happened to its message: where it went, and which Bcc copies were refused. */
let app: TestApp;
let smtp: SmtpSink;
let stop: () => Promise<void>;
let delivery: DeliveryWorld;

beforeAll(async () => ({ app, smtp, delivery, stop } = await startDeliveryApp()));
afterAll(() => stop?.());
beforeEach(() => smtp.reset());

it('records the address the message went to when the customer’s address changed after the run was created', async () => {
  const w = await delivery.world();
  const customer = await w.customer('Moved', 'old@example.com');
  await w.invoiceWithPdf(customer, 'INV-MOVED');
  const run = await delivery.createAndStart(w.cluster, w.definition);
  expect((await delivery.resultsOf(run.documentId))[0].recipient).toBe('old@example.com');

  await app.strapi.documents(UIDS.customer).update({
    documentId: customer.documentId,
    data: { emailAddresses: [{ key: 'billing', address: 'new@example.com', displayName: 'Moved Again' }] } as any,
  });
  await delivery.services().queue.tick();

  expect(smtp.received.map((mail) => mail.envelope.to)).toEqual([['new@example.com']]);
  const [result] = await delivery.resultsOf(run.documentId);
  expect(result).toMatchObject({ status: 'sent', recipient: 'new@example.com', recipientName: 'Moved Again' });
  const api = runsApi(app, await createApiToken(app.strapi));
  const csv = await api.export(run.documentId);
  expect(csv.status).toBe(200);
  expect(csv.text).toContain('new@example.com');
  expect(csv.text).not.toContain('old@example.com');
});

it('says on a sent result which Bcc addresses the server refused, with its answer', async () => {
  const w = await delivery.world();
  await w.invoiceWithPdf(await w.customer('Kept', 'kept@example.com'), 'INV-BCC');
  smtp.answerRecipients((address) =>
    address === 'gone-audit@example.com' ? { code: 550, message: 'No such user here' } : undefined
  );
  const run = await delivery.createAndStart(w.cluster, w.definition, ['audit@example.com', 'gone-audit@example.com']);
  await delivery.services().queue.tick();

  expect(smtp.received.map((mail) => mail.envelope.to.sort())).toEqual([['audit@example.com', 'kept@example.com']]);
  const [result] = await delivery.resultsOf(run.documentId);
  expect(result.status).toBe('sent');
  expect(result.error).toMatch(/^Bcc refused: gone-audit@example\.com \(550 No such user here\)$/);
});

it('delivers once a message whose connection closed after its data with no answer, and records the accepted copy', async () => {
  const w = await delivery.world();
  // A first message opens the pool's connection, which stays open for the next.
  await w.invoiceWithPdf(await w.customer('Warm', 'warm@example.com'), 'INV-WARM');
  await delivery.createAndStart(w.cluster, w.definition);
  await delivery.services().queue.tick();
  smtp.reset();

  const other = await delivery.world();
  await other.invoiceWithPdf(await other.customer('Dora', 'dora@example.com'), 'INV-DROPPED');
  // That connection closes after the message's data, with no answer: nodemailer's pool streams the
  // message once more, on a new connection (the server never accepted the first).
  // Or, as it happens, the connection reports an error: the queue then tries again, as the server's
  // failure. Either way the message is not failed, and goes once.
  smtp.dropNextMessage();
  const run = await delivery.createAndStart(other.cluster, other.definition);
  await delivery.services().queue.tick();
  let [result] = await delivery.resultsOf(run.documentId);
  if (result.status === 'retrying') {
    expect(result).toMatchObject({ reason: 'smtp-unavailable', error: expect.stringMatching(/Connection closed/) });
    await delivery.makeRetriesDue();
    await delivery.services().queue.tick();
    [result] = await delivery.resultsOf(run.documentId);
  }
  expect(result.status).toBe('sent');
  expect(smtp.received).toHaveLength(1);
  // The bytes kept are those of the try the server accepted.
  expect(result.sha256).toBe(smtp.received[0].sha256);
});

describe('the outbox transport', () => {
  const outbox = path.join('.tmp', 'test', `outbox-record-${process.pid}-${Date.now()}`);
  const useOutbox = (folder: string) => {
    const config = app.strapi.config.get('plugin::message-runs') as any;
    app.strapi.config.set('plugin::message-runs.smtp', { ...config.smtp, host: undefined });
    app.strapi.config.set('plugin::message-runs.outboxDir', folder);
    // The next message starts a mail thread with the configuration of that moment.
    delivery.services().mailer.close();
  };
  beforeAll(() => useOutbox(outbox));
  afterAll(() => fs.rmSync(outbox, { recursive: true, force: true }));

  it('writes the message of a sender with a domain as long as DNS allows under a bounded file name', async () => {
    const w = await delivery.world();
    const domain = `${'a'.repeat(63)}.${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(50)}.com`;
    const sender = await app.strapi.db.query(UIDS.sender).findOne({ where: { key: w.definition.fromKey } });
    // Without generated content-type types, the Document Service's input type names no field of the sender.
    await app.strapi.documents(UIDS.sender).update({ documentId: sender.documentId, data: { email: `invoices@${domain}` } as never });
    await w.invoiceWithPdf(await w.customer('Far', 'far@example.com'), 'INV-FAR');
    const run = await delivery.createAndStart(w.cluster, w.definition);
    await delivery.services().queue.tick();

    const [result] = await delivery.resultsOf(run.documentId);
    expect(result).toMatchObject({ status: 'sent', error: null });
    expect(result.messageId).toContain(domain);
    const [file] = fs.readdirSync(outbox);
    expect(file.length).toBeLessThan(100);
    expect(result.response).toBe(`250 written to ${path.join(outbox, file)}`);
  });

  it('keeps the server’s folders out of the error when the outbox cannot take a message, and retries it', async () => {
    const notAFolder = path.join(outbox, 'not-a-folder');
    fs.mkdirSync(outbox, { recursive: true });
    fs.writeFileSync(notAFolder, '');
    useOutbox(notAFolder);
    try {
      const w = await delivery.world();
      await w.invoiceWithPdf(await w.customer('Blocked', 'blocked@example.com'), 'INV-BLOCKED');
      const run = await delivery.createAndStart(w.cluster, w.definition);
      await delivery.services().queue.tick();

      const [result] = await delivery.resultsOf(run.documentId);
      expect(result).toMatchObject({ status: 'retrying', reason: 'smtp-transient' });
      expect(result.error).toMatch(/^the outbox folder did not take the message \(E[A-Z]+\)$/);
    } finally {
      useOutbox(outbox);
    }
  });
});
