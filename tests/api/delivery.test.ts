import fs from 'fs';
import path from 'path';
import type { TestApp } from '../helpers/strapi';
import { startDeliveryApp, type DeliveryWorld } from '../helpers/delivery';
import type { SmtpSink } from '../helpers/smtp';

let app: TestApp;
let smtp: SmtpSink;
let stop: () => Promise<void>;
let delivery: DeliveryWorld;

beforeAll(async () => ({ app, smtp, delivery, stop } = await startDeliveryApp({ SMTP_SECURE: 'false' })));
afterAll(() => stop?.());
beforeEach(() => smtp.reset());


describe('delivery to a real SMTP server', () => {
  it('sends every eligible result once, rendered, with the Bcc and byte-identical attachments', async () => {
    const w = await delivery.world();
    const ann = await w.customer('Ann & <Co>', 'ann@example.com');
    const bob = await w.customer('Bob BV', 'bob@example.com');
    const a = await w.invoiceWithPdf(ann, 'INV-1');
    const b = await w.invoiceWithPdf(bob, 'INV-2');
    const run = await delivery.createAndStart(w.cluster, w.definition, ['audit@example.com']);

    const report = await delivery.services().queue.tick();
    expect(report).toMatchObject({ claimed: 2, sent: 2, failed: 0 });
    expect(smtp.received).toHaveLength(2);

    const toAnn = smtp.received.find((mail) => mail.envelope.to.includes('ann@example.com'))!;
    expect(toAnn.envelope.to.sort()).toEqual(['ann@example.com', 'audit@example.com']);
    expect(toAnn.parsed.headers.has('bcc')).toBe(false);
    expect(toAnn.parsed.from!.value[0]).toMatchObject({ address: 'invoices@example.com', name: 'Example Billing' });
    expect(toAnn.parsed.subject).toBe('Invoice INV-1 for Ann & <Co>');
    expect(toAnn.parsed.html).toContain('Dear Ann &amp; &lt;Co&gt;');
    expect(toAnn.parsed.html).toMatch(/€\s?1\.234,50/);
    expect(toAnn.parsed.html).toContain('1 jan 2026');
    expect(toAnn.parsed.text).toContain('Invoice INV-1 (INV-1 )');
    expect(toAnn.parsed.attachments).toHaveLength(1);
    expect(toAnn.parsed.attachments[0].filename).toBe('INV-1.pdf');
    expect(toAnn.parsed.attachments[0].contentType).toBe('application/pdf');
    expect(Buffer.compare(toAnn.parsed.attachments[0].content, a.pdf.bytes)).toBe(0);
    const toBob = smtp.received.find((mail) => mail.envelope.to.includes('bob@example.com'))!;
    expect(Buffer.compare(toBob.parsed.attachments[0].content, b.pdf.bytes)).toBe(0);

    const results = await delivery.resultsOf(run.documentId);
    expect(results.map((r) => r.status)).toEqual(['sent', 'sent']);
    for (const result of results) {
      expect(result.messageId).toMatch(/^<.+>$/);
      expect(result.response).toMatch(/^250/);
      expect(result.sentAt).toBeTruthy();
      expect(result.attempts).toBe(1);
    }
    expect((await delivery.services().runs.findOne(run.documentId)).status).toBe('completed');

    // Nothing is left: another tick sends nothing again.
    expect(await delivery.services().queue.tick()).toMatchObject({ claimed: 0 });
    expect(smtp.received).toHaveLength(2);
  });

  it('fails only the refused recipient with the server’s 550 line; the others are sent', async () => {
    const w = await delivery.world();
    await w.invoiceWithPdf(await w.customer('Good', 'good@example.com'), 'INV-550-1');
    await w.invoiceWithPdf(await w.customer('Gone', 'gone@example.com'), 'INV-550-2');
    smtp.answerRecipients((address) => (address === 'gone@example.com' ? { code: 550, message: 'No such user here' } : undefined));
    const run = await delivery.createAndStart(w.cluster, w.definition);

    await delivery.services().queue.tick();
    const results = await delivery.resultsOf(run.documentId);
    const byRecipient = Object.fromEntries(results.map((r) => [r.recipient, r]));
    expect(byRecipient['good@example.com'].status).toBe('sent');
    expect(byRecipient['gone@example.com']).toMatchObject({ status: 'failed', reason: 'recipient-rejected' });
    expect(byRecipient['gone@example.com'].error).toMatch(/550.*No such user here/);
    expect(smtp.received.map((mail) => mail.envelope.to)).toEqual([['good@example.com']]);
  });

  it('retries after a 450 on the retry schedule and sends once the server recovers', async () => {
    const w = await delivery.world();
    await w.invoiceWithPdf(await w.customer('Later', 'later@example.com'), 'INV-450');
    smtp.answerMessages(() => ({ code: 450, message: 'Mailbox busy, try again later' }));
    const run = await delivery.createAndStart(w.cluster, w.definition);

    await delivery.services().queue.tick();
    let [result] = await delivery.resultsOf(run.documentId);
    expect(result).toMatchObject({ status: 'retrying', reason: 'smtp-transient', attempts: 1 });
    expect(result.error).toMatch(/450/);
    expect(new Date(result.nextAttemptAt).getTime()).toBeGreaterThan(Date.now() + 50_000);

    // Not due yet: the next tick leaves it alone.
    expect(await delivery.services().queue.tick()).toMatchObject({ claimed: 0 });

    smtp.answerMessages(() => undefined);
    await delivery.makeRetriesDue();
    await delivery.services().queue.tick();
    [result] = await delivery.resultsOf(run.documentId);
    expect(result).toMatchObject({ status: 'sent', attempts: 2, error: null, reason: null });
    expect(smtp.received).toHaveLength(1);
  });

  it('stop, then start: nothing is sent twice and nothing is lost', async () => {
    const w = await delivery.world();
    for (let i = 0; i < 3; i++) await w.invoiceWithPdf(await w.customer(`Stop ${i}`, `stop${i}@example.com`), `INV-STOP-${i}`);
    const run = await delivery.createAndStart(w.cluster, w.definition);
    await delivery.services().runs.transition(run.documentId, 'stop');
    expect(await delivery.services().queue.tick()).toMatchObject({ claimed: 0 });
    await delivery.services().runs.transition(run.documentId, 'start');
    await delivery.services().queue.tick();
    await delivery.services().runs.transition(run.documentId, 'stop').catch(() => undefined);
    expect(smtp.received).toHaveLength(3);
    expect(new Set(smtp.received.map((mail) => mail.envelope.to[0])).size).toBe(3);
    expect((await delivery.resultsOf(run.documentId)).every((r) => r.status === 'sent')).toBe(true);
  });

  it('closing the mail pool mid-batch (Strapi stopping): messages on the wire finish, the queued ones are retried, none fails', async () => {
    const w = await delivery.world();
    const count = 12;
    for (let i = 0; i < count; i++) await w.invoiceWithPdf(await w.customer(`Close ${i}`, `close${i}@example.com`), `INV-CLOSE-${i}`);
    const run = await delivery.createAndStart(w.cluster, w.definition);
    smtp.slowDown(400);
    const tick = delivery.services().queue.tick();
    // Five connections take five messages at a time, each accepted 400 ms after its data: close once
    // the first are accepted, while the next five are on the wire and the last two wait in the pool.
    while (!smtp.received.length) await new Promise((resolve) => setTimeout(resolve, 10));
    delivery.services().mailer.close();
    await tick;
    smtp.slowDown(0);

    const results = await delivery.resultsOf(run.documentId);
    const sent = results.filter((result) => result.status === 'sent');
    const retrying = results.filter((result) => result.status === 'retrying');
    expect(sent.length).toBeGreaterThan(0);
    expect(sent.length).toBe(smtp.received.length);
    expect(retrying.length).toBe(count - sent.length);
    expect(retrying.every((result) => /closing/.test(result.error))).toBe(true);

    await delivery.makeRetriesDue();
    await delivery.services().queue.tick();
    expect((await delivery.resultsOf(run.documentId)).every((result) => result.status === 'sent')).toBe(true);
    const recipients = smtp.received.map((mail) => mail.envelope.to[0]);
    expect(recipients).toHaveLength(count);
    expect(new Set(recipients).size).toBe(count);
  });

  it('collates a customer’s invoices into one message whose outcome every result records', async () => {
    const w = await delivery.world({ collate: true, zip: true });
    const carl = await w.customer('Carl', 'carl@example.com');
    await w.invoiceWithPdf(carl, 'INV-C1');
    await w.invoiceWithPdf(carl, 'INV-C2');
    const run = await delivery.createAndStart(w.cluster, w.definition);

    await delivery.services().queue.tick();
    expect(smtp.received).toHaveLength(1);
    const [mail] = smtp.received;
    expect(mail.parsed.text).toContain('(INV-C1 INV-C2 )');
    expect(mail.parsed.attachments.map((a) => [a.filename, a.contentType])).toEqual([['invoices.zip', 'application/zip']]);
    const results = await delivery.resultsOf(run.documentId);
    expect(results.map((r) => r.status)).toEqual(['sent', 'sent']);
    expect(results[0].messageId).toBe(results[1].messageId);
  });

  it('fails a result whose template cannot render, and goes on with the run', async () => {
    const w = await delivery.world({ body: '<p>{{money invoice.number "EUR"}}</p>' });
    await w.invoiceWithPdf(await w.customer('Broken', 'broken@example.com'), 'INV-X');
    const run = await delivery.createAndStart(w.cluster, w.definition);
    await delivery.services().queue.tick();
    const [result] = await delivery.resultsOf(run.documentId);
    expect(result).toMatchObject({ status: 'failed', reason: 'render-error' });
    expect(result.error).toMatch(/money: "INV-X" is not an amount/);
    expect((await delivery.services().runs.findOne(run.documentId)).status).toBe('completed');
  });

  it('fails a result whose media file is missing from storage with attachment-error; the others are sent', async () => {
    const w = await delivery.world();
    const lost = await w.invoiceWithPdf(await w.customer('Lost', 'lost@example.com'), 'INV-LOST');
    await w.invoiceWithPdf(await w.customer('Kept', 'kept@example.com'), 'INV-KEPT');
    // The media library still lists the file, but the provider no longer has its bytes.
    fs.rmSync(path.join(app.strapi.dirs.static.public, lost.pdf.file.url));
    const run = await delivery.createAndStart(w.cluster, w.definition);

    await delivery.services().queue.tick();
    const byRecipient = Object.fromEntries((await delivery.resultsOf(run.documentId)).map((r) => [r.recipient, r]));
    expect(byRecipient['lost@example.com']).toMatchObject({ status: 'failed', reason: 'attachment-error' });
    expect(byRecipient['lost@example.com'].error).toBe(`INV-LOST.pdf: the upload provider has no file at ${lost.pdf.file.url}`);
    expect(byRecipient['kept@example.com'].status).toBe('sent');
    expect(smtp.received.map((mail) => mail.envelope.to)).toEqual([['kept@example.com']]);
  });
});
