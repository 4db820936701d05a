import fs from 'fs';
import path from 'path';
import type { TestApp } from '../helpers/strapi';
import { startDeliveryApp, type DeliveryWorld } from '../helpers/delivery';
import { startDovecot, type Dovecot } from '../helpers/dovecot';
import type { SmtpSink } from '../helpers/smtp';
import { resolveTables } from '../../src/plugins/message-runs/server/src/data/tables';
import { acquireLease, releaseLease } from '../../src/plugins/message-runs/server/src/data/task-leases';
import { BOUNCE_POLL_TASK, MALFORMED_KEYWORD } from '../../src/plugins/message-runs/server/src/services/bounce-mailbox';

const RETURN_PATH = 'bounces+{token}@billing.example';
const SECRET = 'return-path secret for the bounce tests';
const EVENT_UID = 'plugin::message-runs.message-event';
const SUPPRESSION_UID = 'plugin::message-runs.suppression';

let dovecot: Dovecot;
let app: TestApp;
let smtp: SmtpSink;
let stop: () => Promise<void>;
let delivery: DeliveryWorld;

beforeAll(async () => {
  dovecot = await startDovecot();
  ({ app, smtp, delivery, stop } = await startDeliveryApp({
    SMTP_SECURE: 'false',
    MESSAGE_RETURN_PATH: RETURN_PATH,
    MESSAGE_RETURN_PATH_SECRET: SECRET,
    BOUNCE_IMAP_URL: dovecot.url,
  }));
});
afterAll(async () => {
  await stop?.();
  await dovecot?.stop();
});
beforeEach(() => smtp.reset());

const poll = () => app.strapi.plugin('message-runs').service('bounceMailbox').poll();
let bounceCount = 0;
const bounceId = () => `<bounce-${++bounceCount}.${Date.now()}@mx.example.net>`;

/** A Postfix-shaped RFC 3464 DSN, sent to `to` (the return path), about `recipient` of the original. */
function dsn(o: { to: string; recipient: string; action: 'failed' | 'delayed'; status: string; diagnostic: string; originalId: string }) {
  const id = bounceId();
  return {
    id,
    raw: [
      'Return-Path: <>',
      `Delivered-To: ${o.to}`,
      'From: MAILER-DAEMON@mx.example.net (Mail Delivery System)',
      `To: ${o.to}`,
      `Subject: ${o.action === 'failed' ? 'Undelivered Mail Returned to Sender' : 'Delayed Mail (still being retried)'}`,
      'Date: Sun, 01 Feb 2026 10:15:02 +0100',
      `Message-Id: ${id}`,
      'MIME-Version: 1.0',
      'Content-Type: multipart/report; report-type=delivery-status; boundary="b1"',
      '',
      '--b1',
      'Content-Type: text/plain; charset=us-ascii',
      '',
      'This is the mail system at host mx.example.net.',
      '',
      '--b1',
      'Content-Type: message/delivery-status',
      '',
      'Reporting-MTA: dns; mx.example.net',
      '',
      `Final-Recipient: rfc822; ${o.recipient}`,
      `Action: ${o.action}`,
      `Status: ${o.status}`,
      `Diagnostic-Code: smtp; ${o.diagnostic}`,
      '',
      '--b1',
      'Content-Type: text/rfc822-headers',
      '',
      'From: Example Billing <invoices@example.com>',
      `To: ${o.recipient}`,
      `Message-ID: ${o.originalId}`,
      '',
      '--b1--',
      '',
    ].join('\r\n'),
  };
}

/** A mailbox provider's ARF complaint about the original, to the feedback address. */
function arf(o: { mailFrom: string; recipient: string; originalId: string }) {
  const id = bounceId();
  return {
    id,
    raw: [
      'From: Feedback Loop <fbl@isp.example>',
      'To: fbl@billing.example',
      'Subject: Abuse report',
      'Date: Mon, 02 Feb 2026 08:00:12 +0000',
      `Message-ID: ${id}`,
      'MIME-Version: 1.0',
      'Content-Type: multipart/report; report-type=feedback-report; boundary="f1"',
      '',
      '--f1',
      'Content-Type: text/plain',
      '',
      'This is an email abuse report.',
      '',
      '--f1',
      'Content-Type: message/feedback-report',
      '',
      'Feedback-Type: abuse',
      'User-Agent: IspFBL/1.0',
      'Version: 1',
      `Original-Mail-From: <${o.mailFrom}>`,
      `Original-Rcpt-To: <${o.recipient}>`,
      '',
      '--f1',
      'Content-Type: message/rfc822',
      'Content-Disposition: inline',
      '',
      `Return-Path: <${o.mailFrom}>`,
      'From: Example Billing <invoices@example.com>',
      `To: ${o.recipient}`,
      `Message-ID: ${o.originalId}`,
      'Subject: Invoice',
      '',
      'Dear customer.',
      '',
      '--f1--',
      '',
    ].join('\r\n'),
  };
}

const eventsOf = (resultId: number) =>
  app.strapi.db.query(EVENT_UID).findMany({ where: { resultId }, orderBy: { id: 'asc' } }) as Promise<any[]>;
const reportEventCount = async () =>
  (await app.strapi.db.query(EVENT_UID).findMany({ where: { dedupeKey: { $notNull: true } } })).length;
const ids = (messages: { id: string }[]) => messages.map((message) => message.id).sort();

describe('bounce mailbox (real Dovecot, real SMTP, the real return paths)', () => {
  it('applies hard and soft bounces and complaints, files each message by outcome, leaves a malformed one, and applies a message that arrives again once', async () => {
    const w = await delivery.world();
    const names = ['Ann', 'Bob', 'Carl', 'Dora'];
    for (const name of names) await w.invoiceWithPdf(await w.customer(name, `${name.toLowerCase()}@example.com`), `INV-B-${name}`);
    const run = await delivery.createAndStart(w.cluster, w.definition);
    expect(await delivery.services().queue.tick()).toMatchObject({ sent: 4 });
    const results = await delivery.resultsOf(run.documentId);
    const [ann, bob, carl, dora] = names.map((name) => {
      const recipient = `${name.toLowerCase()}@example.com`;
      const result = results.find((r) => r.recipient === recipient);
      const mail = smtp.received.find((m) => m.envelope.to.includes(recipient))!;
      return { result, recipient, returnPath: mail.envelope.from, messageId: mail.parsed.messageId! };
    });
    expect(ann.returnPath).toMatch(/^bounces\+[0-9a-z]+-[a-z2-7]{16}@billing\.example$/);

    const hard = dsn({
      to: ann.returnPath,
      recipient: ann.recipient,
      action: 'failed',
      status: '5.1.1',
      diagnostic: '550 5.1.1 <ann@example.com>: Recipient address rejected: User unknown',
      originalId: '<not-the-original@example.com>',
    });
    const soft = dsn({
      to: bob.returnPath,
      recipient: bob.recipient,
      action: 'delayed',
      status: '4.2.2',
      diagnostic: '452 4.2.2 Mailbox full',
      originalId: bob.messageId,
    });
    const complaint = arf({ mailFrom: carl.returnPath, recipient: carl.recipient, originalId: '<unknown@example.com>' });
    // Sent to a plain address (a server that ignored the return path): only the Message-ID names it.
    const byMessageId = dsn({
      to: 'postmaster@billing.example',
      recipient: dora.recipient,
      action: 'failed',
      status: '5.2.1',
      diagnostic: '550 5.2.1 Mailbox disabled',
      originalId: dora.messageId,
    });
    // A token this instance did not sign, about a message it never sent.
    const forged = ann.returnPath.replace(/-[a-z2-7]{16}@/, '-aaaaaaaaaaaaaaaa@');
    const unmatched = dsn({ to: forged, recipient: 'eve@example.com', action: 'failed', status: '5.1.1', diagnostic: '550 5.1.1 no', originalId: '<other@example.com>' });
    const malformed = fs.readFileSync(path.join(__dirname, '..', 'fixtures', 'bounces', 'malformed.eml'));
    for (const message of [malformed, hard.raw, soft.raw, complaint.raw, byMessageId.raw, unmatched.raw]) dovecot.deliver(message);

    expect(await poll()).toEqual({ polled: true, fetched: 6, processed: 4, unmatched: 1, malformed: 1 });

    const after = new Map((await delivery.resultsOf(run.documentId)).map((r) => [r.id, r]));
    expect(after.get(ann.result.id)).toMatchObject({
      status: 'bounced',
      error: '5.1.1 550 5.1.1 <ann@example.com>: Recipient address rejected: User unknown',
    });
    expect(after.get(bob.result.id)).toMatchObject({ status: 'sent', error: null });
    expect(after.get(carl.result.id)).toMatchObject({ status: 'complained' });
    expect(after.get(dora.result.id)).toMatchObject({ status: 'bounced', error: '5.2.1 550 5.2.1 Mailbox disabled' });

    expect((await eventsOf(bob.result.id)).filter((e) => e.type === 'delayed')).toEqual([
      expect.objectContaining({ actorKind: 'system', actorId: 'imap', detail: expect.objectContaining({ status: '4.2.2', recipient: bob.recipient }) }),
    ]);
    expect((await eventsOf(ann.result.id)).map((e) => e.type)).toContain('bounced');
    expect((await eventsOf(carl.result.id)).map((e) => e.type)).toContain('complained');

    const suppressed = (await app.strapi.db.query(SUPPRESSION_UID).findMany({})) as any[];
    expect(suppressed.map((s) => [s.address, s.reason]).sort()).toEqual([
      ['ann@example.com', 'bounced'],
      ['carl@example.com', 'complained'],
      ['dora@example.com', 'bounced'],
    ]);

    expect(ids(await dovecot.messages('Processed'))).toEqual([hard.id, soft.id, complaint.id, byMessageId.id].sort());
    expect(ids(await dovecot.messages('Unmatched'))).toEqual([unmatched.id]);
    const inbox = await dovecot.messages('INBOX');
    expect(inbox).toEqual([expect.objectContaining({ id: '<20260202100000.broken@broken.example>', flags: [MALFORMED_KEYWORD] })]);

    // The malformed message is passed over, not read at every poll.
    expect(await poll()).toEqual({ polled: true, fetched: 0, processed: 0, unmatched: 0, malformed: 0 });

    // The same messages again: filed as processed, nothing applied twice.
    const events = await reportEventCount();
    await dovecot.copyBack('Processed');
    expect(await poll()).toEqual({ polled: true, fetched: 4, processed: 4, unmatched: 0, malformed: 0 });
    expect(await reportEventCount()).toBe(events);
    const again = new Map((await delivery.resultsOf(run.documentId)).map((r) => [r.id, r]));
    for (const [id, result] of after) expect(again.get(id)).toMatchObject({ status: result.status, error: result.error });
    expect(ids(await dovecot.messages('INBOX'))).toEqual(['<20260202100000.broken@broken.example>']);
  });

  it('logs a failing connection and reports it, never throws, and polls again at the next tick', async () => {
    const key = 'plugin::message-runs.bounceImap.pass';
    app.strapi.config.set(key, 'wrong password');
    try {
      const report = await poll();
      expect(report).toMatchObject({ polled: true, fetched: 0 });
      expect(report.error).toMatch(/auth/i);
      expect(report.error).not.toContain('wrong password');
    } finally {
      app.strapi.config.set(key, undefined);
    }
    dovecot.deliver(dsn({ to: 'postmaster@billing.example', recipient: 'x@example.com', action: 'failed', status: '5.1.1', diagnostic: '550 no', originalId: '<x@example.com>' }).raw);
    expect(await poll()).toEqual({ polled: true, fetched: 1, processed: 0, unmatched: 1, malformed: 0 });
  });

  it('lets one instance at a time poll: of many holders trying at once one takes the lease, which runs out or is given up', async () => {
    const knex = app.strapi.db.connection;
    const t = resolveTables(app.strapi);
    const now = new Date();
    const holders = Array.from({ length: 8 }, (_, i) => `instance-${i}`);
    const won = await Promise.all(holders.map((holder) => acquireLease(knex, t, BOUNCE_POLL_TASK, holder, now, 60)));
    expect(won.filter(Boolean)).toHaveLength(1);
    const winner = holders[won.indexOf(true)];
    const other = holders.find((holder) => holder !== winner)!;

    // While another instance holds it, this one's poll does not read the mailbox.
    dovecot.deliver(dsn({ to: 'postmaster@billing.example', recipient: 'y@example.com', action: 'failed', status: '5.1.1', diagnostic: '550 no', originalId: '<y@example.com>' }).raw);
    expect(await poll()).toEqual({ polled: false, fetched: 0, processed: 0, unmatched: 0, malformed: 0 });
    // Within one process, a second tick while a poll is under way joins it.
    const polling = poll();
    expect(poll()).toBe(polling);
    await polling;

    expect(await acquireLease(knex, t, BOUNCE_POLL_TASK, winner, now, 60)).toBe(true);
    expect(await acquireLease(knex, t, BOUNCE_POLL_TASK, other, new Date(now.getTime() + 59_000), 60)).toBe(false);
    expect(await acquireLease(knex, t, BOUNCE_POLL_TASK, other, new Date(now.getTime() + 61_000), 60)).toBe(true);
    expect(await acquireLease(knex, t, BOUNCE_POLL_TASK, winner, new Date(now.getTime() + 62_000), 60)).toBe(false);
    await releaseLease(knex, t, BOUNCE_POLL_TASK, other);

    expect(await poll()).toMatchObject({ polled: true, fetched: 1, unmatched: 1 });
  });
});
