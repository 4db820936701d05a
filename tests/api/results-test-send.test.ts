import { createHash } from 'crypto';
import type { TestApp } from '../helpers/strapi';
import { startDeliveryApp, type DeliveryWorld } from '../helpers/delivery';
import type { ReceivedMail, SmtpSink } from '../helpers/smtp';
import { createApiToken, loginAdminWithActions, loginNamedSuperAdmin } from '../helpers/auth';
import type { Actor } from '../../src/plugins/message-runs/shared/contracts/events';
import { outsideContract, runsApi, type RunsApi } from '../helpers/runs';
import { SUPPRESSION_UID } from '../../src/plugins/message-runs/shared/constants';

/**
 * Test-send (DESIGN.md §3, Routes and History): `POST /results/:id/test-send { to }` sends the result's
 * message, as the queue would send it now, only to the given addresses (marked with
 * `X-Message-Runs-Test: true`), leaves the result and its run as they were, and records a `test-sent`
 * entry in the result's history. It needs `manage-results` and is rate-limited per admin or token.
 */
const LIMIT = 3;
const RUN_UID = 'plugin::message-runs.message-run';

let app: TestApp;
let smtp: SmtpSink;
let stop: () => Promise<void>;
let delivery: DeliveryWorld;
let admin: RunsApi;
let integrator: RunsApi;
let adminActor: Actor;

beforeAll(async () => {
  ({ app, smtp, delivery, stop } = await startDeliveryApp({ MESSAGE_TEST_SENDS_PER_MINUTE: String(LIMIT) }));
  const { token, actor } = await loginNamedSuperAdmin(app, 'Tess', 'Sender');
  adminActor = actor;
  admin = runsApi(app, token, { admin: true });
  integrator = runsApi(app, await createApiToken(app.strapi, 'full-access'));
});
afterAll(async () => {
  await stop?.();
});
beforeEach(() => smtp.reset());

const queue = () => app.strapi.plugin('message-runs').service('queue');
async function tickUntilIdle() {
  while ((await queue().tick()).claimed) {}
}

/** A run of one customer (with a Bcc address) and its one result, created through the admin API. */
async function runWithOneResult(name: string, { start = false } = {}) {
  const w = await delivery.world();
  await w.invoiceWithPdf(await w.customer(name, `${name.toLowerCase()}@example.com`), `INV-${name}`);
  const run = await admin.createRun({
    definition: w.definition.documentId,
    cluster: w.cluster.documentId,
    includeChildren: false,
    periodStart: '2026-01-01',
    periodEnd: '2026-01-31',
    bcc: ['audit@example.com'],
  });
  if (start) {
    expect((await admin.start(run.documentId)).status).toBe(200);
    await tickUntilIdle();
  }
  const [result] = await admin.allResults(run.documentId);
  return { run, result };
}

/** What a message says, without what makes each sending unique (Message-ID, Date). */
const contentOf = (mail: ReceivedMail) => ({
  from: mail.parsed.from?.text,
  subject: mail.parsed.subject,
  html: mail.parsed.html,
  text: mail.parsed.text,
  attachments: mail.parsed.attachments.map((attachment) => ({
    filename: attachment.filename,
    contentType: attachment.contentType,
    sha256: createHash('sha256').update(attachment.content).digest('hex'),
  })),
});

const historyOf = async (documentId: string) => {
  const res = await admin.resultEvents(documentId);
  expect(res.status).toBe(200);
  return res.body.data;
};

const runRow = (documentId: string) => app.strapi.db.query(RUN_UID).findOne({ where: { documentId } });

describe('POST /results/:id/test-send', () => {
  it('sends the message the customer got only to the given addresses, and leaves the result and its run as they were', async () => {
    const { run, result } = await runWithOneResult('Sent', { start: true });
    expect(result.status).toBe('sent');
    expect(smtp.received).toHaveLength(1);
    const [delivered] = smtp.received;
    expect(delivered.envelope.to.sort()).toEqual(['audit@example.com', 'sent@example.com']);
    const runBefore = (await admin.get(run.documentId)).body.data;
    smtp.reset();

    const res = await admin.testSend(result.documentId, { to: [' qa@example.com ', 'Lead@Example.com', 'QA@example.com'] });
    expect(res.status).toBe(200);
    // Each address once (case-insensitively), as typed but trimmed.
    expect(res.body.data).toEqual({ to: ['qa@example.com', 'Lead@Example.com'], messageId: expect.stringMatching(/^<.+>$/), sentAt: expect.any(String) });

    expect(smtp.received).toHaveLength(1);
    const [test] = smtp.received;
    // Only the given addresses: not the customer, not the run's Bcc.
    expect(test.envelope.to.map((address) => address.toLowerCase()).sort()).toEqual(['lead@example.com', 'qa@example.com']);
    expect(test.envelope.from).toBe('invoices@example.com');
    expect(test.parsed.headers.get('x-message-runs-test')).toBe('true');
    expect(delivered.parsed.headers.has('x-message-runs-test')).toBe(false);
    expect(test.parsed.messageId).toBe(res.body.data.messageId);
    expect(contentOf(test)).toEqual(contentOf(delivered));
    expect(contentOf(test).attachments).toHaveLength(1);

    const after = (await admin.allResults(run.documentId))[0];
    expect(after).toEqual(result);
    const runAfter = (await admin.get(run.documentId)).body.data;
    expect(runAfter.counts).toEqual(runBefore.counts);
    expect(runAfter.status).toBe(runBefore.status);

    const history = await historyOf(result.documentId);
    expect(history.map((event) => event.type)).toEqual(['created', 'sent', 'test-sent']);
    expect(history[2]).toMatchObject({
      type: 'test-sent',
      actor: adminActor,
      detail: { to: ['qa@example.com', 'Lead@Example.com'], messageId: res.body.data.messageId },
    });
  });

  it('sends a queued result’s message as the preview shows it, on the content API, and it stays queued', async () => {
    const { run, result } = await runWithOneResult('Waiting');
    expect(result).toMatchObject({ status: 'queued', attempts: 0 });
    const preview = (await integrator.resultPreview(result.documentId)).body.data;

    const res = await integrator.testSend(result.documentId, { to: ['qa@example.com'] });
    expect(res.status).toBe(200);
    expect(smtp.received).toHaveLength(1);
    const [test] = smtp.received;
    expect(test.envelope.to).toEqual(['qa@example.com']);
    expect(test.parsed.subject).toBe(preview.subject);
    expect(test.parsed.html).toBe(preview.html);
    expect(test.parsed.text?.replace(/\r\n/g, '\n').trim()).toBe(preview.text!.trim());
    expect(test.parsed.attachments.map((attachment) => attachment.filename)).toEqual(preview.attachments.map((a: any) => a.filename));

    expect((await integrator.allResults(run.documentId))[0]).toEqual(result);
    expect((await runRow(run.documentId)).status).toBe('created');
    const history = await historyOf(result.documentId);
    expect(history.at(-1)).toMatchObject({ type: 'test-sent', actor: { kind: 'api-token' }, detail: { to: ['qa@example.com'] } });
  });

  it('refuses bad input with 400 naming the field, and sends nothing', async () => {
    const { result } = await runWithOneResult('Input');
    const eleven = Array.from({ length: 11 }, (_, i) => `qa${i}@example.com`);
    const cases: [unknown, RegExp][] = [
      [{ to: ['not-an-address'] }, /to holds "not-an-address", which is not an email address/],
      [{ to: ['qa@example.com', 'Name <qa@example.com>'] }, /which is not an email address/],
      [{ to: [] }, /to must name at least one address/],
      [{}, /to is required/],
      [{ to: eleven }, /to may name at most 10 addresses/],
      [{ to: ['qa\u0000@example.com'] }, /to/],
      [{ to: 'qa@example.com' }, /to must be a list of email addresses/],
      [{ to: [42] }, /to\[0\] must be a string/],
      [{ to: [{}] }, /to\[0\] must be a string/],
      [{ to: [''] }, /to must not hold an empty address/],
      [{ to: ['qa@example.com'], bcc: ['x@example.com'] }, /unknown field: bcc/],
    ];
    for (const [body, message] of cases) {
      for (const api of [admin, integrator]) {
        const res = await api.testSend(result.documentId, outsideContract(body));
        expect([JSON.stringify(body), res.status]).toEqual([JSON.stringify(body), 400]);
        expect(res.body.error.message).toMatch(message);
      }
    }
    const invalid = await admin.testSend(result.documentId, { to: ['nope'] });
    expect(invalid.body.error.details.errors?.[0].path).toEqual(['to', '0']);
    expect(smtp.received).toHaveLength(0);
    expect((await historyOf(result.documentId)).map((event) => event.type)).toEqual(['created']);
  });

  it('refuses addresses on the suppression list, naming them', async () => {
    const { result } = await runWithOneResult('Suppressed');
    await app.strapi.documents(SUPPRESSION_UID as any).create({ data: { address: 'gone@example.com', reason: 'bounced', source: 'test' } as any });
    const res = await admin.testSend(result.documentId, { to: ['qa@example.com', 'Gone@Example.com'] });
    expect(res.status).toBe(400);
    expect(res.body.error.message).toBe('to holds addresses on the suppression list: Gone@Example.com');
    expect(smtp.received).toHaveLength(0);
  });

  it('answers 404 for an unknown result and 400 for a result whose message cannot be rendered', async () => {
    const unknown = await admin.testSend('a'.repeat(24), { to: ['qa@example.com'] });
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.message).toBe(`No message result has documentId "${'a'.repeat(24)}"`);
    expect((await admin.testSend('not-an-id', { to: ['qa@example.com'] })).status).toBe(400);

    const { run, result } = await runWithOneResult('Broken');
    const { definitionSnapshot } = await runRow(run.documentId);
    await app.strapi.db.query(RUN_UID).update({
      where: { documentId: run.documentId },
      data: { definitionSnapshot: { ...definitionSnapshot, bodyTemplate: '<p>{{log "x"}}</p>' } },
    });
    const broken = await admin.testSend(result.documentId, { to: ['qa@example.com'] });
    expect(broken.status).toBe(400);
    expect(broken.body.error.message).toBe('This result would not be sent: it would be failed (render-error): Missing helper: "log"');
    expect(smtp.received).toHaveLength(0);
    expect((await admin.allResults(run.documentId))[0]).toEqual(result);
  });

  it('needs the resend permission (manage-results) on both APIs', async () => {
    const { result } = await runWithOneResult('Permission');
    const reader = runsApi(app, await loginAdminWithActions(app, ['plugin::message-runs.read']), { admin: true });
    const readOnlyToken = runsApi(app, await createApiToken(app.strapi, 'read-only'));
    for (const api of [reader, readOnlyToken]) {
      const res = await api.testSend(result.documentId, { to: ['qa@example.com'] });
      expect(res.status).toBe(403);
    }
    expect((await runsApi(app, undefined, { admin: true }).testSend(result.documentId, { to: ['qa@example.com'] })).status).toBe(401);
    expect(smtp.received).toHaveLength(0);

    const resender = runsApi(app, await loginAdminWithActions(app, ['plugin::message-runs.manage-results']), { admin: true });
    expect((await resender.testSend(result.documentId, { to: ['qa@example.com'] })).status).toBe(200);
    expect(smtp.received).toHaveLength(1);
  });

  it(`allows each admin or token ${LIMIT} test-sends a minute, then answers 429 with Retry-After`, async () => {
    const { result } = await runWithOneResult('Limited');
    const busy = runsApi(app, await loginAdminWithActions(app, ['plugin::message-runs.manage-results']), { admin: true });
    for (let i = 0; i < LIMIT; i++) {
      expect((await busy.testSend(result.documentId, { to: [`qa${i}@example.com`] })).status).toBe(200);
    }
    const refused = await busy.testSend(result.documentId, { to: ['qa@example.com'] });
    expect(refused.status).toBe(429);
    expect(refused.body.error).toMatchObject({ name: 'RateLimitError', details: { limit: LIMIT } });
    expect(refused.body.error.message).toMatch(/^At most 3 test-sends a minute/);
    const retryAfter = Number(refused.headers['retry-after']);
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(smtp.received).toHaveLength(LIMIT);

    // Another admin is not held back by this one's count.
    const other = runsApi(app, await loginAdminWithActions(app, ['plugin::message-runs.manage-results']), { admin: true });
    expect((await other.testSend(result.documentId, { to: ['qa@example.com'] })).status).toBe(200);

    // The count is the history's, which every instance shares: entries a minute old no longer count.
    // (Their key holds the time in ms, third of its parts: see data/events.ts, testSendKey.)
    const knex = app.strapi.db.connection;
    const entries = await knex('message_events').select('id', 'dedupe_key').where({ type: 'test-sent' });
    for (const { id, dedupe_key } of entries) {
      const parts = dedupe_key.split(':');
      parts[2] = String(Number(parts[2]) - 61_000).padStart(13, '0');
      await knex('message_events').where({ id }).update({ dedupe_key: parts.join(':') });
    }
    expect((await busy.testSend(result.documentId, { to: ['qa@example.com'] })).status).toBe(200);
  });

  it('sends once for one Idempotency-Key: a repeat is answered the first answer', async () => {
    const { result } = await runWithOneResult('Retried');
    const token = await createApiToken(app.strapi, 'full-access');
    const send = () =>
      app
        .http()
        .post(`/api/message-runs/results/${result.documentId}/test-send`)
        .set('Authorization', `Bearer ${token}`)
        .set('Idempotency-Key', `test-send-${result.documentId}`)
        .send({ to: ['qa@example.com'] });
    const first = await send();
    expect(first.status).toBe(200);
    const repeat = await send();
    expect(repeat.status).toBe(200);
    expect(repeat.headers['idempotent-replayed']).toBe('true');
    expect(repeat.body).toEqual(first.body);
    expect(smtp.received).toHaveLength(1);
    expect((await historyOf(result.documentId)).filter((entry: { type: string }) => entry.type === 'test-sent')).toHaveLength(1);
  });
});
