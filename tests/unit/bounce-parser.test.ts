import fs from 'fs';
import path from 'path';
import { parseBounce, type BounceParse } from '../../src/plugins/message-runs/server/src/services/bounce-parser';

const RETURN_PATH = 'bounces+{token}@billing.example';
const fixture = (name: string) => fs.readFileSync(path.join(__dirname, '..', 'fixtures', 'bounces', name));
const reportsOf = (parse: BounceParse) => {
  if ('error' in parse) throw new Error(`expected reports, got the error "${parse.error}"`);
  return parse.reports;
};
const parse = async (name: string) => reportsOf(await parseBounce(fixture(name), { returnPath: RETURN_PATH }));

describe('bounce parser: RFC 3464 delivery status notifications', () => {
  it('reads a Postfix hard bounce: the return path token, the original Message-ID, status and diagnostic', async () => {
    expect(await parse('postfix-hard.eml')).toEqual([
      {
        kind: 'bounced',
        source: 'imap',
        key: '<20260201091502.4F2A1C0123@mx.billing-relay.example>|ann@example.com',
        token: '2a-k7q3mzx2pd5wlt4a',
        messageId: '<0c6b9e2a-1f3d-4f7e-9a51-3c2d1e0f9a10@example.com>',
        recipient: 'ann@example.com',
        status: '5.1.1',
        diagnostic: '550 5.1.1 <ann@example.com>: Recipient address rejected: User unknown in virtual mailbox table',
        at: new Date('2026-02-01T09:15:02Z'),
      },
    ]);
  });

  it('reads each recipient of a Gmail DSN: one delayed (soft), one failed (hard), the original from text/rfc822-headers', async () => {
    const reports = await parse('gmail-dsn.eml');
    expect(reports).toEqual([
      expect.objectContaining({
        kind: 'delayed',
        recipient: 'bob@example.com',
        status: '4.2.2',
        diagnostic: '452 4.2.2 The email account that you tried to reach is over quota. https://support.google.com/mail/?p=OverQuotaTemp',
        at: new Date('2026-02-01T09:20:11Z'),
      }),
      expect.objectContaining({ kind: 'bounced', recipient: 'audit@example.com', status: '5.1.1' }),
    ]);
    for (const report of reports) {
      expect(report).toMatchObject({ token: '2b-m3n4p5q6r7s2t3u4', messageId: '<5d1f2a3b-7c8e-4b9a-8f0e-1a2b3c4d5e6f@example.com>' });
    }
    // Two events of one message: each recipient is its own report.
    expect(new Set(reports.map((report) => report.key)).size).toBe(2);
  });

  it('names no token without a return path template, and still the original Message-ID', async () => {
    const [report] = reportsOf(await parseBounce(fixture('postfix-hard.eml')));
    expect(report.token).toBeUndefined();
    expect(report.messageId).toBe('<0c6b9e2a-1f3d-4f7e-9a51-3c2d1e0f9a10@example.com>');
  });

  it('finds the token in another template, and none in an address that does not fit it', async () => {
    const raw = fixture('postfix-hard.eml').toString().replace(/bounces\+2a-k7q3mzx2pd5wlt4a@billing\.example/g, 'BOUNCE-2a-k7q3mzx2pd5wlt4a@Mail.Example');
    expect(reportsOf(await parseBounce(Buffer.from(raw), { returnPath: 'bounce-{token}@mail.example' }))[0].token).toBe('2a-k7q3mzx2pd5wlt4a');
    expect(reportsOf(await parseBounce(Buffer.from(raw), { returnPath: RETURN_PATH }))[0].token).toBeUndefined();
  });

  it('refuses a DSN whose delivery-status part has no recipient fields', async () => {
    expect(await parseBounce(fixture('malformed.eml'), { returnPath: RETURN_PATH })).toEqual({
      error: 'a delivery status notification without recipient fields',
    });
  });

  it('refuses a DSN with an unknown Action', async () => {
    const raw = fixture('postfix-hard.eml').toString().replace('Action: failed', 'Action: exploded');
    expect(await parseBounce(Buffer.from(raw))).toEqual({ error: 'a delivery status notification with Action "exploded"' });
  });
});

describe('bounce parser: non-standard bounces (fall back to the return path and the SMTP code in the text)', () => {
  it('reads an Exim bounce: X-Failed-Recipients, Envelope-to, the 550 line, the Message-ID of the copy', async () => {
    expect(await parse('exim.eml')).toEqual([
      {
        kind: 'bounced',
        source: 'imap',
        key: '<E1vABCD-000123-4x@mx.example.net>|carl@example.net',
        token: '2c-a2b3c4d5e6f7g2h3',
        messageId: '<9a8b7c6d-5e4f-4a3b-9c2d-1e0f9a8b7c6d@example.com>',
        recipient: 'carl@example.net',
        status: '5.1.1',
        diagnostic: '550 5.1.1 <carl@example.net>: Recipient address rejected: User unknown',
        at: new Date('2026-02-01T09:30:05Z'),
      },
    ]);
  });

  it('reads a qmail bounce, which has no Message-ID of its own: its key is a hash of its bytes', async () => {
    const [report] = await parse('qmail.eml');
    expect(report).toMatchObject({
      kind: 'bounced',
      token: '2d-z2y3x4w5v6u7t2s3',
      messageId: '<1b2c3d4e-5f6a-4b7c-8d9e-0f1a2b3c4d5e@example.com>',
      recipient: 'dora@example.org',
      status: '5.1.1',
    });
    expect(report.diagnostic).toMatch(/^550 5\.1\.1 <dora@example\.org>\.\.\. User unknown/);
    expect(report.key).toMatch(/^sha256:[0-9a-f]{64}\|dora@example\.org$/);
    expect((await parse('qmail.eml'))[0].key).toBe(report.key);
  });

  it('reads an old Gmail plain-text bounce ("failed permanently")', async () => {
    expect(await parse('gmail-plain.eml')).toEqual([
      expect.objectContaining({
        kind: 'bounced',
        token: '2e-q2w3e4r5t6y7u2i3',
        messageId: '<7e8f9a0b-1c2d-4e3f-8a4b-5c6d7e8f9a0b@example.com>',
        recipient: 'erin@example.com',
        status: '5.2.1',
        diagnostic: '550 5.2.1 The email account that you tried to reach is disabled.',
      }),
    ]);
  });

  it('reads a Postfix delay warning without a report as a soft bounce', async () => {
    expect(await parse('postfix-plain-delayed.eml')).toEqual([
      expect.objectContaining({
        kind: 'delayed',
        token: '2f-h2j3k4l5m6n7p2q3',
        messageId: undefined,
        recipient: 'frank@example.com',
        status: '4.2.2',
        diagnostic: '452 4.2.2 <frank@example.com>: Mailbox full (in reply to RCPT TO command)',
      }),
    ]);
  });

  it('takes an SMTP code without an enhanced status', async () => {
    const raw = fixture('qmail.eml').toString().replace('550 5.1.1 <dora@example.org>... User unknown', '554 sorry, no mailbox here by that name');
    expect(reportsOf(await parseBounce(Buffer.from(raw)))[0]).toMatchObject({ kind: 'bounced', status: '554' });
  });

  it('reads nothing from a message that is not a bounce (an auto-reply), even with numbers in it', async () => {
    expect(await parse('out-of-office.eml')).toEqual([]);
    const raw = fixture('out-of-office.eml').toString().replace('until 9 February', 'until 9 February (room 550 4.1.2)');
    expect(reportsOf(await parseBounce(Buffer.from(raw), { returnPath: RETURN_PATH }))).toEqual([]);
  });

  it('reads nothing from a bounce-looking message without any code', async () => {
    const raw = fixture('qmail.eml').toString().replace('Remote host said: 550 5.1.1 <dora@example.org>... User unknown\n', '');
    expect(reportsOf(await parseBounce(Buffer.from(raw)))).toEqual([]);
  });
});

describe('bounce parser: ARF (RFC 5965) complaints', () => {
  it('reads a provider’s abuse report: Original-Rcpt-To, the token of Original-Mail-From, the original’s Message-ID', async () => {
    expect(await parse('arf-complaint.eml')).toEqual([
      {
        kind: 'complained',
        source: 'imap',
        key: '<arf-20260202080012-77@feedback.mailprovider.example>|gina@example.com',
        token: '30-b2c3d4e5f6g7h2j3',
        messageId: '<3c4d5e6f-7a8b-4c9d-8e0f-1a2b3c4d5e6f@example.com>',
        recipient: 'gina@example.com',
        diagnostic: 'Feedback-Type: abuse (MailProviderFBL/2.1)',
        at: new Date('2026-02-02T08:00:12Z'),
      },
    ]);
  });

  it('takes the recipient from the original’s To when the report names none', async () => {
    expect(await parse('arf-redacted.eml')).toEqual([
      expect.objectContaining({
        kind: 'complained',
        token: undefined,
        messageId: '<4d5e6f7a-8b9c-4d0e-9f1a-2b3c4d5e6f7a@example.com>',
        recipient: 'hank@example.com',
        diagnostic: 'Feedback-Type: fraud (IspFeedback/0.9)',
      }),
    ]);
  });

  it('reads no complaint from a not-spam report, and refuses a report without a Feedback-Type', async () => {
    const raw = fixture('arf-complaint.eml').toString();
    expect(await parseBounce(Buffer.from(raw.replace('Feedback-Type: abuse', 'Feedback-Type: not-spam')))).toEqual({ reports: [] });
    expect(await parseBounce(Buffer.from(raw.replace('Feedback-Type: abuse', 'X-Feedback: abuse')))).toEqual({
      error: 'a feedback report without a Feedback-Type',
    });
  });
});
