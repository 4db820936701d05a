import fs from 'fs';
import os from 'os';
import path from 'path';
import { startStrapi, type TestApp } from '../helpers/strapi';
import { fixtures, removeMediaFile, type Doc } from '../helpers/fixtures';
import { startSmtpSink } from '../helpers/smtp';
import { createTextPdf } from '../../scripts/lib/pdf';

const RESULT_UID = 'plugin::message-runs.message-result';

let app: TestApp;
let smtp: Awaited<ReturnType<typeof startSmtpSink>>;
let make: ReturnType<typeof fixtures>;
const uploaded: number[] = [];

beforeAll(async () => {
  smtp = await startSmtpSink();
  app = await startStrapi({ SMTP_HOST: '127.0.0.1', SMTP_PORT: String(smtp.port), SMTP_SECURE: 'false' });
  make = fixtures(app.strapi);
});
afterAll(async () => {
  for (const id of uploaded) await removeMediaFile(app.strapi, id);
  await app?.stop();
  await smtp?.stop();
});
beforeEach(() => {
  smtp.received.length = 0;
  smtp.answerRecipients(() => undefined);
  smtp.answerMessages(() => undefined);
});

const services = () => ({
  runs: app.strapi.plugin('message-runs').service('runs'),
  queue: app.strapi.plugin('message-runs').service('queue'),
});

/** A real PDF in the media library, uploaded through the upload service. */
async function uploadPdf(name: string, text: string) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mr-pdf-'));
  const filepath = path.join(dir, name);
  fs.writeFileSync(filepath, createTextPdf([text]));
  const [file] = await app.strapi.plugin('upload').service('upload').upload({
    data: {},
    files: { filepath, originalFilename: name, mimetype: 'application/pdf', size: fs.statSync(filepath).size },
  });
  uploaded.push(file.id);
  return { file, bytes: fs.readFileSync(filepath) };
}

/** A cluster with customers, each with one invoice in January 2026 and its documents. */
async function world({ collate = false, zip = false, body = '<p>Dear {{customer.name}}, {{money invoice.amount invoice.currency}} for {{date invoice.periodStart}}</p>' } = {}) {
  const cluster = await make.cluster();
  const transformation = await make.transformation({ outputType: 'pdf' });
  const sender = await make.sender({ email: 'invoices@example.com', displayName: 'Example Billing' });
  const definition = await make.definition({
    fromKey: sender.key,
    recipientKey: 'billing',
    subjectTemplate: 'Invoice {{invoice.label}} for {{customer.name}}',
    bodyTemplate: body,
    textTemplate: 'Invoice {{invoice.label}} ({{#each invoices}}{{label}} {{/each}})',
    invoiceTransformations: [transformation.documentId],
    collate,
    zipAttachments: zip,
  });
  const customer = async (name: string, address: string) =>
    make.customer({ name, cluster: cluster.documentId, languageCode: 'nl-NL', emailAddresses: [{ key: 'billing', address, displayName: name }] });
  const invoiceWithPdf = async (owner: Doc, number: string) => {
    const invoice = await make.invoice({ customer: owner.documentId, number, periodStart: '2026-01-01', periodEnd: '2026-01-31', amount: 1234.5, currency: 'EUR' });
    const pdf = await uploadPdf(`${number}.pdf`, `Invoice ${number}`);
    await make.transformationResult({ invoice: invoice.documentId, transformation: transformation.documentId, file: pdf.file.id, content: null, fileName: null, mimeType: null });
    return { invoice, pdf };
  };
  return { cluster, definition, customer, invoiceWithPdf };
}

async function createAndStart(cluster: Doc, definition: Doc, bcc: string[] = []) {
  const { run } = await services().runs.create({
    definition: definition.documentId,
    cluster: cluster.documentId,
    includeChildren: false,
    periodStart: '2026-01-01',
    periodEnd: '2026-01-31',
    bcc,
  });
  await services().runs.transition(run.documentId, 'start');
  return run;
}

const resultsOf = (runDocumentId: string) =>
  app.strapi.documents(RESULT_UID).findMany({ filters: { run: { documentId: runDocumentId } } as any, sort: 'id:asc', populate: ['invoice', 'customer'] as any }) as Promise<any[]>;

describe('delivery to a real SMTP server', () => {
  it('sends every eligible result once, rendered, with the Bcc and byte-identical attachments', async () => {
    const w = await world();
    const ann = await w.customer('Ann & <Co>', 'ann@example.com');
    const bob = await w.customer('Bob BV', 'bob@example.com');
    const a = await w.invoiceWithPdf(ann, 'INV-1');
    const b = await w.invoiceWithPdf(bob, 'INV-2');
    const run = await createAndStart(w.cluster, w.definition, ['audit@example.com']);

    const report = await services().queue.tick();
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

    const results = await resultsOf(run.documentId);
    expect(results.map((r) => r.status)).toEqual(['sent', 'sent']);
    for (const result of results) {
      expect(result.messageId).toMatch(/^<.+>$/);
      expect(result.response).toMatch(/^250/);
      expect(result.sentAt).toBeTruthy();
      expect(result.attempts).toBe(1);
    }
    expect((await services().runs.findOne(run.documentId)).status).toBe('completed');

    // Nothing is left: another tick sends nothing again.
    expect(await services().queue.tick()).toMatchObject({ claimed: 0 });
    expect(smtp.received).toHaveLength(2);
  });

  it('fails only the refused recipient with the server’s 550 line; the others are sent', async () => {
    const w = await world();
    await w.invoiceWithPdf(await w.customer('Good', 'good@example.com'), 'INV-550-1');
    await w.invoiceWithPdf(await w.customer('Gone', 'gone@example.com'), 'INV-550-2');
    smtp.answerRecipients((address) => (address === 'gone@example.com' ? { code: 550, message: 'No such user here' } : undefined));
    const run = await createAndStart(w.cluster, w.definition);

    await services().queue.tick();
    const results = await resultsOf(run.documentId);
    const byRecipient = Object.fromEntries(results.map((r) => [r.recipient, r]));
    expect(byRecipient['good@example.com'].status).toBe('sent');
    expect(byRecipient['gone@example.com']).toMatchObject({ status: 'failed', reason: 'recipient-rejected' });
    expect(byRecipient['gone@example.com'].error).toMatch(/550.*No such user here/);
    expect(smtp.received.map((mail) => mail.envelope.to)).toEqual([['good@example.com']]);
  });

  it('retries after a 451 and sends once the server recovers', async () => {
    const w = await world();
    await w.invoiceWithPdf(await w.customer('Later', 'later@example.com'), 'INV-451');
    smtp.answerMessages(() => ({ code: 451, message: 'Try again later' }));
    const run = await createAndStart(w.cluster, w.definition);

    await services().queue.tick();
    let [result] = await resultsOf(run.documentId);
    expect(result).toMatchObject({ status: 'retrying', reason: 'smtp-transient', attempts: 1 });
    expect(result.error).toMatch(/451/);
    expect(new Date(result.nextAttemptAt).getTime()).toBeGreaterThan(Date.now() + 50_000);

    // Not due yet: the next tick leaves it alone.
    expect(await services().queue.tick()).toMatchObject({ claimed: 0 });

    smtp.answerMessages(() => undefined);
    await app.strapi.db.query(RESULT_UID).update({ where: { id: result.id }, data: { nextAttemptAt: new Date(Date.now() - 1000) } });
    await services().queue.tick();
    [result] = await resultsOf(run.documentId);
    expect(result).toMatchObject({ status: 'sent', attempts: 2, error: null, reason: null });
    expect(smtp.received).toHaveLength(1);
  });

  it('stop, then start: nothing is sent twice and nothing is lost', async () => {
    const w = await world();
    for (let i = 0; i < 3; i++) await w.invoiceWithPdf(await w.customer(`Stop ${i}`, `stop${i}@example.com`), `INV-STOP-${i}`);
    const run = await createAndStart(w.cluster, w.definition);
    await services().runs.transition(run.documentId, 'stop');
    expect(await services().queue.tick()).toMatchObject({ claimed: 0 });
    await services().runs.transition(run.documentId, 'start');
    await services().queue.tick();
    await services().runs.transition(run.documentId, 'stop').catch(() => undefined);
    expect(smtp.received).toHaveLength(3);
    expect(new Set(smtp.received.map((mail) => mail.envelope.to[0])).size).toBe(3);
    expect((await resultsOf(run.documentId)).every((r) => r.status === 'sent')).toBe(true);
  });

  it('collates a customer’s invoices into one message whose outcome every result records', async () => {
    const w = await world({ collate: true, zip: true });
    const carl = await w.customer('Carl', 'carl@example.com');
    await w.invoiceWithPdf(carl, 'INV-C1');
    await w.invoiceWithPdf(carl, 'INV-C2');
    const run = await createAndStart(w.cluster, w.definition);

    await services().queue.tick();
    expect(smtp.received).toHaveLength(1);
    const [mail] = smtp.received;
    expect(mail.parsed.text).toContain('(INV-C1 INV-C2 )');
    expect(mail.parsed.attachments.map((a) => [a.filename, a.contentType])).toEqual([['invoices.zip', 'application/zip']]);
    const results = await resultsOf(run.documentId);
    expect(results.map((r) => r.status)).toEqual(['sent', 'sent']);
    expect(results[0].messageId).toBe(results[1].messageId);
  });

  it('fails a result whose template cannot render, and goes on with the run', async () => {
    const w = await world({ body: '<p>{{money invoice.number "EUR"}}</p>' });
    await w.invoiceWithPdf(await w.customer('Broken', 'broken@example.com'), 'INV-X');
    const run = await createAndStart(w.cluster, w.definition);
    await services().queue.tick();
    const [result] = await resultsOf(run.documentId);
    expect(result).toMatchObject({ status: 'failed', reason: 'render-error' });
    expect(result.error).toMatch(/money: "INV-X" is not an amount/);
    expect((await services().runs.findOne(run.documentId)).status).toBe('completed');
  });
});
