import fs from 'fs';
import path from 'path';
import { simpleParser } from 'mailparser';
import { startStrapi, type TestApp } from '../helpers/strapi';
import { createApiToken } from '../helpers/auth';
import { binaryBody, deliveryWorld } from '../helpers/delivery';

/** With no SMTP host, messages are written as .eml files to the outbox folder; previews send nothing. */
let app: TestApp;
let outbox: string;
let delivery: ReturnType<typeof deliveryWorld>;

beforeAll(async () => {
  outbox = path.join('.tmp', 'test', `outbox-${process.pid}-${Date.now()}`);
  app = await startStrapi({ MESSAGE_OUTBOX_DIR: outbox });
  delivery = deliveryWorld(app);
});
afterAll(async () => {
  await delivery?.cleanUp();
  await app?.stop();
  fs.rmSync(outbox, { recursive: true, force: true });
});

const outboxFiles = () => (fs.existsSync(outbox) ? fs.readdirSync(outbox).filter((name) => name.endsWith('.eml')) : []);

it('writes each message to the outbox as an .eml file', async () => {
  const w = await delivery.world();
  const { pdf } = await w.invoiceWithPdf(await w.customer('Dana', 'dana@example.com'), 'INV-EML');
  const run = await delivery.createAndStart(w.cluster, w.definition, ['audit@example.com']);

  await delivery.services().queue.tick();
  const [result] = await delivery.resultsOf(run.documentId);
  expect(result.status).toBe('sent');
  expect(result.response).toMatch(/^250 written to .*\.eml$/);
  const files = outboxFiles();
  expect(files).toHaveLength(1);
  // Named by the time and the invoice it carries, which an admin looking through the folder knows.
  expect(files[0]).toMatch(/^\d{13}-INV-EML-[0-9a-f]{12}\.eml$/);
  const mail = await simpleParser(fs.readFileSync(path.join(outbox, files[0])));
  expect(mail.to).toMatchObject({ value: [{ address: 'dana@example.com', name: 'Dana' }] });
  expect(mail.subject).toBe('Invoice INV-EML for Dana');
  expect(mail.messageId).toBe(result.messageId);
  expect(Buffer.compare(mail.attachments[0].content, pdf.bytes)).toBe(0);
});

describe('GET /results/:id/preview', () => {
  it('shows exactly what would be sent, and sends nothing', async () => {
    const w = await delivery.world({ collate: true });
    const erik = await w.customer('Erik <script>', 'erik@example.com');
    const first = await w.invoiceWithPdf(erik, 'INV-P1');
    await w.invoiceWithPdf(erik, 'INV-P2');
    const run = await delivery.create(w.cluster, w.definition, ['audit@example.com']);
    const [result] = await delivery.resultsOf(run.documentId);
    const before = outboxFiles().length;

    const token = await createApiToken(app.strapi);
    const res = await app.http().get(`/api/message-runs/results/${result.documentId}/preview`).set('Authorization', `Bearer ${token}`);
    expect(res.status).toBe(200);
    expect(res.body.data).toEqual({
      from: 'Example Billing <invoices@example.com>',
      to: 'Erik <script> <erik@example.com>',
      bcc: ['audit@example.com'],
      subject: 'Invoice INV-P1 for Erik <script>',
      // The definition has no translations: its own templates.
      language: null,
      html: expect.stringContaining('Dear Erik &lt;script&gt;'),
      text: 'Invoice INV-P1 (INV-P1 INV-P2 )',
      attachments: [
        { filename: 'INV-P1.pdf', contentType: 'application/pdf', size: first.pdf.bytes.length },
        { filename: 'INV-P2.pdf', contentType: 'application/pdf', size: expect.any(Number) },
      ],
    });
    expect(outboxFiles()).toHaveLength(before);
    expect((await delivery.resultsOf(run.documentId)).map((r) => r.status)).toEqual(['queued', 'queued']);
  });

  it('GET /results/:id/attachments/:position downloads an attachment of the message as it would be sent', async () => {
    const w = await delivery.world();
    const { pdf } = await w.invoiceWithPdf(await w.customer('Ivo', 'ivo@example.com'), 'INV-ATT');
    const run = await delivery.create(w.cluster, w.definition);
    const [result] = await delivery.resultsOf(run.documentId);
    const auth = { Authorization: `Bearer ${await createApiToken(app.strapi)}` };
    const url = (position: string) => `/api/message-runs/results/${result.documentId}/attachments/${position}`;
    const res = await app.http().get(url('1')).set(auth).buffer(true).parse(binaryBody);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/pdf');
    expect(res.headers['content-disposition']).toBe('attachment; filename="INV-ATT.pdf"');
    expect(Buffer.compare(res.body, pdf.bytes)).toBe(0);

    const beyond = await app.http().get(url('2')).set(auth);
    expect(beyond.status).toBe(404);
    expect(beyond.body.error.message).toBe(`The message of result ${result.documentId} has 1 attachment, not a number 2`);
    for (const bad of ['0', '-1', '1.5', 'x', '1000']) {
      const refused = await app.http().get(url(bad)).set(auth);
      expect(refused.status).toBe(400);
      expect(refused.body.error.message).toBe('position must be a whole number from 1 to 999');
    }
    expect((await app.http().get(url('1'))).status).toBe(401);
    expect((await delivery.resultsOf(run.documentId))[0].status).toBe('queued');
  });

  it('answers 404 for an unknown result and 400 for one that would not be sent', async () => {
    const token = await createApiToken(app.strapi);
    const auth = { Authorization: `Bearer ${token}` };
    const unknown = await app.http().get('/api/message-runs/results/abcdefghijklmnopqrstuvwx/preview').set(auth);
    expect(unknown.status).toBe(404);

    const w = await delivery.world({ body: '<p>{{money invoice.number}}</p>' });
    await w.invoiceWithPdf(await w.customer('Fay', 'fay@example.com'), 'INV-BAD');
    const run = await delivery.create(w.cluster, w.definition);
    const [result] = await delivery.resultsOf(run.documentId);
    const res = await app.http().get(`/api/message-runs/results/${result.documentId}/preview`).set(auth);
    expect(res.status).toBe(400);
    expect(res.body.error.message).toMatch(/would be failed \(render-error\): money: "INV-BAD" is not an amount/);
  });

  it('answers 400 naming the reason for a skipped result, also in a collated run (which leaves it out of every message)', async () => {
    const auth = { Authorization: `Bearer ${await createApiToken(app.strapi)}` };
    for (const collate of [true, false]) {
      const w = await delivery.world({ collate });
      const gina = await w.customer('Gina', 'gina@example.com');
      await w.invoiceWithPdf(gina, `INV-G1-${collate}`);
      // No transformation result: skipped at creation.
      await w.invoice(gina, `INV-G2-${collate}`);
      const run = await delivery.create(w.cluster, w.definition);
      const skipped = (await delivery.resultsOf(run.documentId)).find((result) => result.status === 'skipped');
      expect(skipped).toMatchObject({ reason: 'no-transformation-result' });
      const res = await app.http().get(`/api/message-runs/results/${skipped.documentId}/preview`).set(auth);
      expect(res.status).toBe(400);
      expect(res.body.error).toMatchObject({
        message: 'This result is skipped (no-transformation-result): no message is sent for it',
        details: { status: 'skipped', reason: 'no-transformation-result' },
      });
    }
  });
});
