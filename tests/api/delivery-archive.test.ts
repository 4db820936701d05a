import { createHash } from 'crypto';
import fs from 'fs';
import path from 'path';
import type { TestApp } from '../helpers/strapi';
import { createApiToken } from '../helpers/auth';
import { binaryBody, startDeliveryApp, RESULT_UID, type DeliveryWorld } from '../helpers/delivery';
import { type ReceivedMail, type SmtpSink } from '../helpers/smtp';

/**
 * The message as sent (DESIGN.md §4): the bytes the SMTP server received are the bytes kept, served by
 * `GET /results/:id/message` and hashed in the result's `sha256`; they expire after `archiveDays`.
 */
let app: TestApp;
let smtp: SmtpSink;
let stop: () => Promise<void>;
let delivery: DeliveryWorld;
let token: string;
const archiveDir = path.join('.tmp', 'test', `archive-${process.pid}-${Date.now()}`);

beforeAll(async () => {
  ({ app, smtp, delivery, stop } = await startDeliveryApp({ MESSAGE_ARCHIVE_DIR: archiveDir }));
  token = await createApiToken(app.strapi);
});
afterAll(async () => {
  await stop?.();
  fs.rmSync(archiveDir, { recursive: true, force: true });
});
beforeEach(() => smtp.reset());

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

const getMessage = (resultDocumentId: string) =>
  app
    .http()
    .get(`/api/message-runs/results/${resultDocumentId}/message`)
    .set('Authorization', `Bearer ${token}`)
    .buffer(true)
    .parse(binaryBody);
const resultsJson = async (runDocumentId: string) => {
  const res = await app.http().get(`/api/message-runs/runs/${runDocumentId}/results?sort=createdAt:asc`).set('Authorization', `Bearer ${token}`);
  expect(res.status).toBe(200);
  return res.body.data as { documentId: string; status: string; sha256: string | null; messageId: string | null; invoice: { label: string } }[];
};
const receivedAs = (messageId: string | null) => smtp.received.find((mail) => mail.parsed.messageId === messageId) as ReceivedMail;
const plugin = () => app.strapi.plugin('message-runs');
/** Applies a configuration change the way a restart would: the next message starts a new mail thread. */
const configure = (changes: Record<string, unknown>) => {
  for (const [key, value] of Object.entries(changes)) app.strapi.config.set(`plugin::message-runs.${key}`, value);
  plugin().service('mailer').close();
};

const archiveKeysOf = async (documentIds: string[]) => {
  const rows = await app.strapi.db.query(RESULT_UID).findMany({ where: { documentId: { $in: documentIds } } });
  return documentIds.map((documentId) => rows.find((row: any) => row.documentId === documentId).archiveKey as string);
};
/** Where a folder key's bytes are: `folder:<segment>:<offset>:<length>`. */
const placeOf = (key: string) => {
  const [, name, offset, length] = /^folder:(.+):(\d+):(\d+)$/.exec(key)!;
  return { file: path.join(archiveDir, name), offset: Number(offset), length: Number(length) };
};
/**
 * As if the results' (one) message had been sent at `at`: its copy moves to a segment of that day, as
 * the mail thread would have written it then, and its sending time to `at`. Returns the segment file.
 */
async function sentLongAgo(documentIds: string[], at: Date) {
  const [key] = await archiveKeysOf(documentIds);
  const { file, offset, length } = placeOf(key);
  const day = at.toISOString().slice(0, 10);
  const name = `${day}/1-1-${Date.now().toString(36)}.log`;
  fs.mkdirSync(path.join(archiveDir, day), { recursive: true });
  fs.writeFileSync(path.join(archiveDir, name), fs.readFileSync(file).subarray(offset, offset + length));
  await app.strapi.db
    .query(RESULT_UID)
    .updateMany({ where: { documentId: { $in: documentIds } }, data: { sentAt: at, archiveKey: `folder:${name}:0:${length}` } });
  return path.join(archiveDir, name);
}

describe('the kept message', () => {
  afterEach(() => configure({ archive: true, archiveStorage: 'folder' }));

  it('is the bytes the SMTP server received, served as message/rfc822 with the SHA-256 of the result JSON; a collated message’s results share it', async () => {
    // A line that SMTP dot-stuffs, and a bare LF and CR: the kept bytes are still the received ones.
    const w = await delivery.world({ collate: true, body: '<p>Dear {{customer.name}}</p>\n.dotted line\rcarriage\n' });
    const ann = await w.customer('Ann', 'ann@example.com');
    await w.invoiceWithPdf(ann, 'INV-A1');
    await w.invoiceWithPdf(ann, 'INV-A2');
    await w.invoiceWithPdf(await w.customer('Bob', 'bob@example.com'), 'INV-B1');
    const run = await delivery.createAndStart(w.cluster, w.definition, ['audit@example.com']);
    await plugin().service('queue').tick();

    const results = await resultsJson(run.documentId);
    expect(results.map((r) => r.status)).toEqual(['sent', 'sent', 'sent']);
    expect(smtp.received).toHaveLength(2);
    for (const result of results) {
      const received = receivedAs(result.messageId);
      const res = await getMessage(result.documentId);
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toBe('message/rfc822');
      expect(res.headers['content-disposition']).toBe(`attachment; filename="${result.invoice.label}.eml"`);
      expect(sha256(res.body)).toBe(received.sha256);
      expect(result.sha256).toBe(received.sha256);
      expect(Buffer.compare(res.body, received.raw)).toBe(0);
    }
    const [a1, a2, b1] = results;
    expect(a1.sha256).toBe(a2.sha256);
    expect(a1.sha256).not.toBe(b1.sha256);
    // What was dot-stuffed on the wire is back as written, and the Bcc is in the envelope only.
    expect(receivedAs(a1.messageId).raw.toString()).toContain('\r\n.dotted line\r\ncarriage\r\n');
    expect(receivedAs(a1.messageId).raw.toString()).not.toMatch(/^bcc:/im);
    expect(receivedAs(a1.messageId).envelope.to.sort()).toEqual(['ann@example.com', 'audit@example.com']);
    // One copy per message, appended to a segment of the private folder (outside the public one).
    const keys = await archiveKeysOf(results.map((result) => result.documentId));
    expect(new Set(keys).size).toBe(2);
    for (const key of keys) expect(key).toMatch(/^folder:\d{4}-\d{2}-\d{2}\/\d+-\d+-[0-9a-z]+\.log:\d+:\d+$/);
  });

  it('answers 404 for a result that was never sent: queued, or failed', async () => {
    const w = await delivery.world();
    await w.invoiceWithPdf(await w.customer('Cas', 'cas@example.com'), 'INV-Q');
    const { run: queuedRun } = await plugin().service('runs').create({
      definition: w.definition.documentId,
      cluster: w.cluster.documentId,
      periodStart: '2026-01-01',
      periodEnd: '2026-01-31',
    });
    const [queued] = await resultsJson(queuedRun.documentId);
    const queuedRes = await getMessage(queued.documentId);
    expect(queuedRes.status).toBe(404);
    expect(JSON.parse(queuedRes.body.toString()).error.message).toBe(`Result ${queued.documentId} has no kept message: it was never sent (it is queued)`);

    smtp.answerRecipients(() => ({ code: 550, message: 'No such user here' }));
    const run = await delivery.createAndStart(w.cluster, w.definition);
    await plugin().service('queue').tick();
    const [failed] = await resultsJson(run.documentId);
    expect(failed).toMatchObject({ status: 'failed', sha256: null });
    const failedRes = await getMessage(failed.documentId);
    expect(failedRes.status).toBe(404);
    expect(JSON.parse(failedRes.body.toString()).error.message).toMatch(/it was never sent \(it is failed\)$/);
  });

  it('refuses to serve a kept message whose bytes no longer have the recorded SHA-256', async () => {
    const w = await delivery.world();
    await w.invoiceWithPdf(await w.customer('Dirk', 'dirk@example.com'), 'INV-TAMPER');
    const run = await delivery.createAndStart(w.cluster, w.definition);
    await plugin().service('queue').tick();
    const [result] = await resultsJson(run.documentId);
    const [archiveKey] = await archiveKeysOf([result.documentId]);
    const { file, offset, length } = placeOf(archiveKey);
    // One byte of the kept copy changes (a header's letter).
    const segment = fs.readFileSync(file);
    segment[offset + 1] ^= 0x20;
    fs.writeFileSync(file, segment);

    const res = await getMessage(result.documentId);
    expect(res.status).toBe(500);
    expect(JSON.parse(res.body.toString()).error.message).toBe(
      `The kept message of result ${result.documentId} is not the one sent: its SHA-256 is ${sha256(segment.subarray(offset, offset + length))}, the one recorded when it was sent ${result.sha256}`
    );
  });

  it('with the archive off, records the SHA-256 and keeps nothing, and says so', async () => {
    configure({ archive: false });
    const w = await delivery.world();
    await w.invoiceWithPdf(await w.customer('Eva', 'eva@example.com'), 'INV-OFF');
    const run = await delivery.createAndStart(w.cluster, w.definition);
    await plugin().service('queue').tick();
    const [result] = await resultsJson(run.documentId);
    expect(result.sha256).toBe(receivedAs(result.messageId).sha256);
    const res = await getMessage(result.documentId);
    expect(res.status).toBe(404);
    expect(JSON.parse(res.body.toString()).error.message).toMatch(
      /has no kept message: it was sent at .* and not kept: the archive was off \(MESSAGE_ARCHIVE\) or could not write it$/
    );
  });

  it('through the upload provider: the file goes to the provider, is served from it, and is deleted through it', async () => {
    configure({ archiveStorage: 'upload' });
    const w = await delivery.world();
    await w.invoiceWithPdf(await w.customer('Fem', 'fem@example.com'), 'INV-UP');
    const run = await delivery.createAndStart(w.cluster, w.definition);
    await plugin().service('queue').tick();
    const [result] = await resultsJson(run.documentId);
    const { archiveKey } = await app.strapi.db.query(RESULT_UID).findOne({ where: { documentId: result.documentId } });
    const { url } = JSON.parse(archiveKey.replace(/^upload:/, ''));
    // The local provider of the tests writes into the public folder (hence the startup warning).
    const uploaded = path.join(app.strapi.dirs.static.public, url);
    expect(sha256(fs.readFileSync(uploaded))).toBe(receivedAs(result.messageId).sha256);

    const res = await getMessage(result.documentId);
    expect(res.status).toBe(200);
    expect(sha256(res.body)).toBe(result.sha256);

    await app.strapi.db.query(RESULT_UID).update({ where: { documentId: result.documentId }, data: { sentAt: new Date(Date.now() - 401 * 24 * 3600 * 1000) } });
    expect(await plugin().service('archive').expire()).toBeGreaterThanOrEqual(1);
    expect(fs.existsSync(uploaded)).toBe(false);
  });
});

describe('retention', () => {
  it('deletes messages sent more than archiveDays ago, in batches, harmlessly twice; the route then says why', async () => {
    const w = await delivery.world({ collate: true });
    const gus = await w.customer('Gus', 'gus@example.com');
    await w.invoiceWithPdf(gus, 'INV-OLD1');
    await w.invoiceWithPdf(gus, 'INV-OLD2');
    await w.invoiceWithPdf(await w.customer('Hal', 'hal@example.com'), 'INV-NEW');
    const run = await delivery.createAndStart(w.cluster, w.definition);
    await plugin().service('queue').tick();
    const [old1, old2, recent] = await resultsJson(run.documentId);

    // The collated message (both of Gus's results) was sent 401 days ago; Hal's today.
    const longAgo = new Date(Date.now() - 401 * 24 * 3600 * 1000);
    const oldFile = await sentLongAgo([old1.documentId, old2.documentId], longAgo);
    const [recentKey] = await archiveKeysOf([recent.documentId]);
    expect(await plugin().service('archive').expire()).toBe(1);
    expect(fs.existsSync(oldFile)).toBe(false);
    expect(fs.existsSync(placeOf(recentKey).file)).toBe(true);
    expect(await plugin().service('archive').expire()).toBe(0);

    for (const result of [old1, old2]) {
      const res = await getMessage(result.documentId);
      expect(res.status).toBe(404);
      expect(JSON.parse(res.body.toString()).error.message).toBe(
        `Result ${result.documentId} has no kept message: it was sent at ${longAgo.toISOString()} and deleted after 400 days (MESSAGE_ARCHIVE_DAYS)`
      );
    }
    // The fingerprint stays on the results; the recent message is still served.
    expect((await resultsJson(run.documentId)).map((r) => r.sha256)).toEqual([old1.sha256, old1.sha256, recent.sha256]);
    expect((await getMessage(recent.documentId)).status).toBe(200);

    // A smaller archiveDays takes the recent one too.
    app.strapi.config.set('plugin::message-runs.archiveDays', 1);
    await sentLongAgo([recent.documentId], new Date(Date.now() - 2 * 24 * 3600 * 1000));
    try {
      expect(await plugin().service('archive').expire()).toBe(1);
      expect(JSON.parse((await getMessage(recent.documentId)).body.toString()).error.message).toMatch(/deleted after 1 day \(MESSAGE_ARCHIVE_DAYS\)$/);
    } finally {
      app.strapi.config.set('plugin::message-runs.archiveDays', 400);
    }
  });
});
