import { randomUUID } from 'crypto';
import type { TestApp } from '../helpers/strapi';
import { startDeliveryApp, type DeliveryWorld } from '../helpers/delivery';
import { type ReceivedMail, type SmtpSink } from '../helpers/smtp';
import {
  basicAuth,
  mailgunBody,
  mailgunEventData,
  postmarkBody,
  sendgridEvent,
  sendgridHeaders,
  sendgridKeys,
  TOKEN_FIELD,
} from '../helpers/provider-webhooks';
import { tokenFor } from '../../src/plugins/message-runs/server/src/services/return-path';

const SECRET = 'return-path secret for the webhook tests';
const MAILGUN_KEY = 'key-3ax6xnjp29jd6fds4gc373sgvjxteol0';
const POSTMARK = { user: 'postmark-hook', password: 'a long postmark webhook password' };
const sendgrid = sendgridKeys();
const URL = '/api/message-runs/events';

let app: TestApp;
let smtp: SmtpSink;
let stop: () => Promise<void>;
let delivery: DeliveryWorld;

beforeAll(async () => ({ app, smtp, delivery, stop } = await startDeliveryApp({
    SMTP_SECURE: 'false',
    MESSAGE_RETURN_PATH_SECRET: SECRET,
    MAILGUN_WEBHOOK_SIGNING_KEY: MAILGUN_KEY,
    SENDGRID_WEBHOOK_PUBLIC_KEY: sendgrid.publicKeyBase64,
    POSTMARK_WEBHOOK_USER: POSTMARK.user,
    POSTMARK_WEBHOOK_PASSWORD: POSTMARK.password,
  })));
afterAll(() => stop?.());
beforeEach(() => smtp.reset());

/** What a provider learns of a sent message: the headers it reads, as the sink received them. */
interface Sent {
  id: number;
  documentId: string;
  recipient: string;
  messageId: string;
  mailgunToken: string;
  sendgridToken: string;
  postmarkToken: string;
}

const headerOf = (mail: ReceivedMail, name: string) => String(mail.parsed.headers.get(name) ?? '');

/** Sends one invoice to each address through a real run, and reads each message's provider headers at the sink. */
async function send(...addresses: string[]): Promise<Sent[]> {
  const w = await delivery.world();
  for (const address of addresses)
    await w.invoiceWithPdf(await w.customer(address, address), `INV-${randomUUID().slice(0, 8)}`);
  const run = await delivery.createAndStart(w.cluster, w.definition);
  await delivery.services().queue.tick();
  const results = await delivery.resultsOf(run.documentId);
  return results.map((result) => {
    const mail = smtp.received.find((received) => received.envelope.to.includes(result.recipient))!;
    return {
      id: result.id,
      documentId: result.documentId,
      recipient: result.recipient,
      messageId: mail.parsed.messageId!,
      mailgunToken: JSON.parse(headerOf(mail, 'x-mailgun-variables'))[TOKEN_FIELD],
      sendgridToken: JSON.parse(headerOf(mail, 'x-smtpapi')).unique_args[TOKEN_FIELD],
      postmarkToken: headerOf(mail, 'x-pm-metadata-message-run-token'),
    };
  });
}

const result = async (id: number) =>
  app.strapi.db.query('plugin::message-runs.message-result').findOne({ where: { id } });
/** A result's delivery time, ISO (SQLite gives it back as text, PostgreSQL as a Date). */
const deliveredAt = async (id: number) => {
  const { deliveredAt: at } = await result(id);
  return at && new Date(at).toISOString();
};
const historyOf = async (id: number) =>
  (
    await app.strapi.db.connection('message_events').where({ result_id: id }).whereNotNull('dedupe_key').orderBy('id')
  ).map((row) => row.type);
const reportRows = async () =>
  Number((await app.strapi.db.connection('message_events').whereNotNull('dedupe_key').count({ n: '*' }))[0].n);
const suppressed = async (address: string) =>
  app.strapi.db.query('plugin::message-runs.suppression').findOne({ where: { address: address.toLowerCase() } });
/** Everything a webhook may change: the report rows, the results' statuses and delivery times, the suppressions. */
const snapshot = async () => ({
  reports: await reportRows(),
  results: await app.strapi.db.connection('message_results').select('id', 'status', 'delivered_at').orderBy('id'),
  suppressions: await app.strapi.db.connection('message_suppressions').count({ n: '*' }),
});

const postMailgun = (body: object) => app.http().post(`${URL}/mailgun`).send(body);
const postSendgrid = (
  events: unknown,
  { timestamp, raw = JSON.stringify(events) }: { timestamp?: number; raw?: string } = {}
) =>
  app
    .http()
    .post(`${URL}/sendgrid`)
    .set(sendgridHeaders(sendgrid.privateKey, raw, timestamp))
    .send(raw);
const postPostmark = (body: object, authorization = basicAuth(POSTMARK.user, POSTMARK.password)) =>
  app.http().post(`${URL}/postmark`).set('Authorization', authorization).send(body);

describe('outgoing messages carry the token each configured provider echoes', () => {
  it('names the message by its result in X-Mailgun-Variables, X-SMTPAPI and X-PM-Metadata', async () => {
    const [sent] = await send('headers@example.com');
    const token = tokenFor(sent.id, SECRET);
    expect([sent.mailgunToken, sent.sendgridToken, sent.postmarkToken]).toEqual([token, token, token]);
  });
});

describe('Mailgun', () => {
  it('applies delivered, permanent and temporary failures and complaints, by token or by Message-ID', async () => {
    const [ann, bob, cy] = await send('ann-mg@example.com', 'bob-mg@example.com', 'cy-mg@example.com');
    const post = async (event: Parameters<typeof mailgunEventData>[0]) => {
      const response = await postMailgun(mailgunBody(MAILGUN_KEY, mailgunEventData(event)));
      expect(response.status).toBe(200);
      return response.body.data;
    };
    const deliveredTime = 1770146431.6585283;
    expect(
      await post({ event: 'delivered', recipient: ann.recipient, token: ann.mailgunToken, timestamp: deliveredTime })
    ).toEqual({
      applied: 1,
      duplicates: 0,
      ignored: 0,
    });
    expect(await deliveredAt(ann.id)).toBe(new Date(deliveredTime * 1000).toISOString());

    // No user-variables: Mailgun's Message-ID header (without angle brackets) names the message.
    const bare = bob.messageId.replace(/^<|>$/g, '');
    expect(
      await post({ event: 'failed', severity: 'temporary', recipient: bob.recipient, messageId: bare })
    ).toMatchObject({ applied: 1 });
    expect((await result(bob.id)).status).toBe('sent');
    expect(await historyOf(bob.id)).toEqual(['delayed']);
    expect(
      await post({ event: 'failed', severity: 'permanent', recipient: bob.recipient, messageId: bare })
    ).toMatchObject({ applied: 1 });
    expect(await result(bob.id)).toMatchObject({
      status: 'bounced',
      error: '550 5.1.1 The email account does not exist',
    });
    expect(await suppressed(bob.recipient)).toMatchObject({ reason: 'bounced', source: 'mailgun 550' });

    expect(await post({ event: 'complained', recipient: cy.recipient, token: cy.mailgunToken })).toMatchObject({
      applied: 1,
    });
    expect((await result(cy.id)).status).toBe('complained');
    expect(await suppressed(cy.recipient)).toMatchObject({ reason: 'complained' });
    // An event this plugin does not act on is acknowledged.
    expect(await post({ event: 'opened', recipient: cy.recipient, token: cy.mailgunToken })).toEqual({
      applied: 0,
      duplicates: 0,
      ignored: 1,
    });
  });

  it('refuses a bad signature, an old timestamp and a replayed token with 401, changing nothing', async () => {
    const [dan] = await send('dan-mg@example.com');
    const data = mailgunEventData({
      event: 'failed',
      severity: 'permanent',
      recipient: dan.recipient,
      token: dan.mailgunToken,
    });
    const before = await snapshot();

    const forged = mailgunBody('not the signing key', data);
    const forgedAnswer = await postMailgun(forged);
    expect(forgedAnswer.status).toBe(401);
    expect(forgedAnswer.body.error.message).toBe('Not a mailgun webhook call: the signature does not match');
    const old = await postMailgun(mailgunBody(MAILGUN_KEY, data, { timestamp: Math.floor(Date.now() / 1000) - 301 }));
    expect([old.status, old.body.error.message]).toEqual([
      401,
      'Not a mailgun webhook call: the signature timestamp is older than 5 minutes',
    ]);
    expect((await postMailgun({ 'event-data': data })).status).toBe(401);
    expect(await snapshot()).toEqual(before);

    const body = mailgunBody(MAILGUN_KEY, data);
    expect((await postMailgun(body)).body.data).toMatchObject({ applied: 1 });
    const replay = await postMailgun(body);
    expect([replay.status, replay.body.error.message]).toEqual([
      401,
      'Not a mailgun webhook call: the signature token was used already',
    ]);
    // Mailgun delivering the same event again (a new signature): the dedupe key applies it once.
    expect((await postMailgun(mailgunBody(MAILGUN_KEY, data))).body.data).toEqual({
      applied: 0,
      duplicates: 1,
      ignored: 0,
    });
    expect(await historyOf(dan.id)).toEqual(['bounced']);
  });

  it('answers a malformed body with 400 and an unknown message with 200, applying nothing', async () => {
    const before = await snapshot();
    const malformed = await postMailgun(mailgunBody(MAILGUN_KEY, { event: 'delivered', timestamp: Date.now() / 1000 }));
    expect([malformed.status, malformed.body.error.message]).toEqual([400, 'event-data.id must be a non-empty string']);
    const unknown = await postMailgun(
      mailgunBody(
        MAILGUN_KEY,
        mailgunEventData({
          event: 'failed',
          severity: 'permanent',
          recipient: 'nobody@example.com',
          token: tokenFor(987654, SECRET),
        })
      )
    );
    expect([unknown.status, unknown.body.data]).toEqual([200, { applied: 0, duplicates: 0, ignored: 1 }]);
    expect(await snapshot()).toEqual(before);
  });
});

describe('SendGrid', () => {
  it('applies a signed batch exactly once, however often and however concurrently it comes', async () => {
    const [eve, fay, gus] = await send('eve-sg@example.com', 'fay-sg@example.com', 'gus-sg@example.com');
    const batch = [
      sendgridEvent({ event: 'processed', email: eve.recipient, token: eve.sendgridToken }),
      sendgridEvent({ event: 'deferred', email: eve.recipient, token: eve.sendgridToken }),
      sendgridEvent({ event: 'delivered', email: eve.recipient, token: eve.sendgridToken, timestamp: 1770000000 }),
      sendgridEvent({ event: 'bounce', email: fay.recipient, token: fay.sendgridToken, type: 'bounce' }),
      sendgridEvent({ event: 'spamreport', email: gus.recipient, token: gus.sendgridToken }),
      sendgridEvent({ event: 'delivered', email: 'stranger@example.com', token: 'zz-aaaaaaaaaaaaaaaa' }),
    ];
    const first = await postSendgrid(batch);
    expect([first.status, first.body.data]).toEqual([200, { applied: 4, duplicates: 0, ignored: 2 }]);
    const again = await postSendgrid(batch);
    expect([again.status, again.body.data]).toEqual([200, { applied: 0, duplicates: 4, ignored: 2 }]);

    expect(await historyOf(eve.id)).toEqual(['delayed', 'delivered']);
    expect((await result(eve.id)).status).toBe('sent');
    expect(await deliveredAt(eve.id)).toBe('2026-02-02T02:40:00.000Z');
    expect(await result(fay.id)).toMatchObject({ status: 'bounced', error: '5.0.0 500 unknown recipient' });
    expect(await suppressed(fay.recipient)).toMatchObject({ reason: 'bounced', source: 'sendgrid 5.0.0' });
    expect((await result(gus.id)).status).toBe('complained');

    // Two deliveries of one new batch at once: one writes it, the other finds it written.
    const [hal] = await send('hal-sg@example.com');
    const concurrent = [
      sendgridEvent({ event: 'deferred', email: hal.recipient, token: hal.sendgridToken }),
      sendgridEvent({ event: 'bounce', email: hal.recipient, token: hal.sendgridToken, type: 'blocked' }),
      sendgridEvent({ event: 'delivered', email: hal.recipient, token: hal.sendgridToken }),
    ];
    const before = await reportRows();
    const answers = await Promise.all([postSendgrid(concurrent), postSendgrid(concurrent)]);
    expect(answers.map((answer) => answer.status)).toEqual([200, 200]);
    expect(answers.reduce((sum, answer) => sum + answer.body.data.applied, 0)).toBe(3);
    expect(answers.reduce((sum, answer) => sum + answer.body.data.duplicates, 0)).toBe(3);
    expect((await reportRows()) - before).toBe(3);
    expect((await historyOf(hal.id)).sort()).toEqual(['delayed', 'delayed', 'delivered']);
  });

  it('verifies the bytes as sent: the same events spaced differently, a wrong key or an old timestamp are 401s', async () => {
    const [ivy] = await send('ivy-sg@example.com');
    const events = [sendgridEvent({ event: 'bounce', email: ivy.recipient, token: ivy.sendgridToken })];
    const before = await snapshot();
    const raw = JSON.stringify(events, null, 2);
    // Signed as sent with other spacing: accepted only because the bytes, not the parsed JSON, are checked.
    const spaced = await app
      .http()
      .post(`${URL}/sendgrid`)
      .set(sendgridHeaders(sendgrid.privateKey, JSON.stringify(events)))
      .send(raw);
    expect([spaced.status, spaced.body.error.message]).toEqual([
      401,
      'Not a sendgrid webhook call: the signature does not match',
    ]);
    const other = await app
      .http()
      .post(`${URL}/sendgrid`)
      .set(sendgridHeaders(sendgridKeys().privateKey, raw))
      .send(raw);
    expect(other.status).toBe(401);
    const old = await postSendgrid(events, { timestamp: Math.floor(Date.now() / 1000) - 301 });
    expect([old.status, old.body.error.message]).toEqual([
      401,
      'Not a sendgrid webhook call: the signature timestamp is older than 5 minutes',
    ]);
    const unsigned = await app.http().post(`${URL}/sendgrid`).set('Content-Type', 'application/json').send(raw);
    expect(unsigned.status).toBe(401);
    expect(await snapshot()).toEqual(before);
    // The pretty-printed body, signed as it is sent, verifies and applies.
    expect((await postSendgrid(events, { raw })).body.data).toEqual({ applied: 1, duplicates: 0, ignored: 0 });
    expect((await result(ivy.id)).status).toBe('bounced');
  });

  it('answers a body that is not a list of events with 400, invalid JSON with 400 and a batch over the bound with 413', async () => {
    const before = await snapshot();
    const object = await postSendgrid({ event: 'delivered' });
    expect([object.status, object.body.error.message]).toEqual([400, 'body must be a JSON array of events']);
    const missingId = await postSendgrid([{ event: 'delivered', timestamp: 1770000000, email: 'x@example.com' }]);
    expect([missingId.status, missingId.body.error.message]).toEqual([
      400,
      '[0].sg_event_id must be a non-empty string',
    ]);
    const broken = await postSendgrid(null, { raw: '[{"event": "delivered",' });
    expect(broken.status).toBe(400);
    // Past koa-body's 1 MB JSON limit the body is not even read.
    const heavy = await postSendgrid(null, { raw: JSON.stringify([{ event: 'open', pad: 'x'.repeat(1024 * 1024) }]) });
    expect(heavy.status).toBe(413);
    const huge = await postSendgrid(Array.from({ length: 5001 }, () => ({ event: 'open' })));
    expect([huge.status, huge.body.error.message]).toEqual([
      413,
      'A webhook call may carry at most 5000 events; this one has 5001',
    ]);
    expect(await snapshot()).toEqual(before);
  });
});

describe('Postmark', () => {
  it('applies deliveries, bounces by type and complaints behind its basic auth', async () => {
    const [jo, kit, lee] = await send('jo-pm@example.com', 'kit-pm@example.com', 'lee-pm@example.com');
    const post = async (body: object) => {
      const response = await postPostmark(body);
      expect(response.status).toBe(200);
      return response.body.data;
    };
    const delivery = postmarkBody({
      recordType: 'Delivery',
      email: jo.recipient,
      token: jo.postmarkToken,
      at: '2026-01-05T16:33:54.9070259Z',
    });
    expect(await post(delivery)).toEqual({ applied: 1, duplicates: 0, ignored: 0 });
    expect(await post(delivery)).toEqual({ applied: 0, duplicates: 1, ignored: 0 });
    expect(await deliveredAt(jo.id)).toBe('2026-01-05T16:33:54.907Z');

    expect(
      await post(
        postmarkBody({ recordType: 'Bounce', type: 'SoftBounce', email: kit.recipient, token: kit.postmarkToken })
      )
    ).toMatchObject({ applied: 1 });
    expect((await result(kit.id)).status).toBe('sent');
    expect(
      await post(
        postmarkBody({ recordType: 'Bounce', type: 'HardBounce', email: kit.recipient, token: kit.postmarkToken })
      )
    ).toMatchObject({ applied: 1 });
    expect((await result(kit.id)).status).toBe('bounced');
    expect(await historyOf(kit.id)).toEqual(['delayed', 'bounced']);
    expect(await suppressed(kit.recipient)).toMatchObject({ reason: 'bounced', source: 'postmark HardBounce' });

    expect(
      await post(postmarkBody({ recordType: 'SpamComplaint', email: lee.recipient, token: lee.postmarkToken }))
    ).toMatchObject({ applied: 1 });
    expect((await result(lee.id)).status).toBe('complained');
    expect(await post(postmarkBody({ recordType: 'Open', email: lee.recipient, token: lee.postmarkToken }))).toEqual({
      applied: 0,
      duplicates: 0,
      ignored: 1,
    });
  });

  it('refuses wrong or missing credentials with 401 and a challenge, and a body without a record type with 400', async () => {
    const [max] = await send('max-pm@example.com');
    const body = postmarkBody({ recordType: 'Bounce', email: max.recipient, token: max.postmarkToken });
    const before = await snapshot();
    const wrong = await postPostmark(body, basicAuth(POSTMARK.user, 'guess'));
    expect([wrong.status, wrong.headers['www-authenticate']]).toEqual([
      401,
      'Basic realm="message-runs", charset="UTF-8"',
    ]);
    expect((await app.http().post(`${URL}/postmark`).send(body)).status).toBe(401);
    const malformed = await postPostmark({ MessageID: 'x' });
    expect([malformed.status, malformed.body.error.message]).toEqual([
      400,
      'body.RecordType must be a non-empty string',
    ]);
    expect(await snapshot()).toEqual(before);
  });
});

describe('the route', () => {
  it('is public (no Strapi token, Users & Permissions installed), and names only the three providers', async () => {
    const unknown = await app.http().post(`${URL}/mandrill`).send({});
    expect([unknown.status, unknown.body.error.message]).toEqual([
      404,
      'No mail provider is called "mandrill"; the webhooks are mailgun, sendgrid and postmark',
    ]);
    // Without credentials the answer is the provider check's 401, not Users & Permissions' 403.
    const unsigned = await app.http().post(`${URL}/mailgun`).send({});
    expect([unsigned.status, unsigned.body.error.message]).toEqual([
      401,
      'Not a mailgun webhook call: the body has no signature',
    ]);
    // The other plugin routes still want a token.
    expect((await app.http().get('/api/message-runs/runs')).status).toBe(401);
  });
});
