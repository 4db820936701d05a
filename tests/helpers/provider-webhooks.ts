import { createHmac, generateKeyPairSync, randomBytes, randomUUID, sign, type KeyObject } from 'crypto';

/**
 * Mail providers' webhook requests as their documentation gives them, signed as they sign them: for
 * the unit tests of the checks and for the API test against a real Strapi.
 * - Mailgun: documentation.mailgun.com, "Securing Webhooks" and "Webhook Payloads".
 * - SendGrid: "Event Webhook Reference" and "Getting Started with the Event Webhook Security Features".
 * - Postmark: "Delivery webhook", "Bounce webhook", "Spam complaint webhook".
 */
export const TOKEN_FIELD = 'message_run_token';
const unixNow = () => Math.floor(Date.now() / 1000);

// --- Mailgun ---------------------------------------------------------------------------------------

export interface MailgunEvent {
  event: 'delivered' | 'failed' | 'complained' | 'opened' | 'accepted';
  severity?: 'permanent' | 'temporary';
  recipient: string;
  messageId?: string;
  token?: string;
  id?: string;
  timestamp?: number;
  code?: number;
  message?: string;
}

/** A Mailgun event's `event-data`, as in its "Webhook Payloads" examples. */
export function mailgunEventData(e: MailgunEvent) {
  const failure = e.event === 'failed';
  return {
    event: e.event,
    id: e.id ?? randomBytes(16).toString('base64url').slice(0, 22),
    timestamp: e.timestamp ?? Date.now() / 1000,
    'log-level': failure ? (e.severity === 'permanent' ? 'error' : 'warn') : 'info',
    ...(failure && { severity: e.severity, reason: e.severity === 'permanent' ? 'bounce' : 'generic' }),
    envelope: {
      sender: 'bounces@mg.billing.example',
      targets: e.recipient,
      transport: 'smtp',
      'sending-ip': '198.51.100.7',
    },
    flags: { 'is-authenticated': true, 'is-test-mode': false, 'is-routed': false },
    ...(e.event !== 'complained' && {
      'delivery-status': {
        code: e.code ?? (e.event === 'delivered' ? 250 : e.severity === 'permanent' ? 550 : 452),
        message:
          e.message ??
          (e.event === 'delivered'
            ? 'OK'
            : e.severity === 'permanent'
              ? '5.1.1 The email account does not exist'
              : '4.2.2 Mailbox full'),
        description: '',
        'attempt-no': 1,
        tls: true,
        'mx-host': 'mx.example.com',
        'session-seconds': 0.4,
      },
    }),
    message: {
      headers: {
        to: e.recipient,
        'message-id': e.messageId ?? `${randomUUID()}@mg.billing.example`,
        from: 'invoices@example.com',
        subject: 'Invoice',
      },
      attachments: [],
      size: 4242,
    },
    recipient: e.recipient,
    'recipient-domain': e.recipient.split('@')[1],
    storage: { url: 'https://storage.api.mailgun.net/v3/domains/mg.billing.example/messages/key', key: 'key' },
    campaigns: [],
    tags: [],
    'user-variables': e.token ? { [TOKEN_FIELD]: e.token } : {},
  };
}

/** A Mailgun webhook body: `signature` (HMAC-SHA256 of timestamp + token under the signing key) and `event-data`. */
export function mailgunBody(
  signingKey: string,
  eventData: object,
  { timestamp = unixNow(), token = randomBytes(25).toString('hex') } = {}
) {
  const signature = createHmac('sha256', signingKey).update(`${timestamp}${token}`).digest('hex');
  return { signature: { token, timestamp: String(timestamp), signature }, 'event-data': eventData };
}

// --- SendGrid --------------------------------------------------------------------------------------

export interface SendgridEvent {
  event: 'delivered' | 'bounce' | 'dropped' | 'deferred' | 'spamreport' | 'processed' | 'open';
  email: string;
  token?: string;
  type?: 'bounce' | 'blocked';
  reason?: string;
  id?: string;
  timestamp?: number;
}

/** One event of SendGrid's Event Webhook, as in its reference (the token as a unique arg at the top level). */
export function sendgridEvent(e: SendgridEvent) {
  const messageId = `${randomBytes(8).toString('base64url')}.filter0001.16648.5515E0B88.0`;
  return {
    email: e.email,
    timestamp: e.timestamp ?? unixNow(),
    'smtp-id': `<${randomUUID()}@ismtpd-555>`,
    event: e.event,
    category: ['invoices'],
    sg_event_id: e.id ?? randomBytes(16).toString('base64url'),
    sg_message_id: messageId,
    ...(e.event === 'delivered' && { response: '250 OK', tls: 1 }),
    ...(e.event === 'deferred' && { response: '400 try again later', attempt: '5' }),
    ...(e.event === 'bounce' && {
      bounce_classification: e.type === 'blocked' ? 'Reputation' : 'Invalid Address',
      reason: e.reason ?? (e.type === 'blocked' ? '421 try later' : '500 unknown recipient'),
      status: e.type === 'blocked' ? '4.0.0' : '5.0.0',
      type: e.type ?? 'bounce',
    }),
    ...(e.event === 'dropped' && { reason: e.reason ?? 'Bounced Address', status: '5.0.0' }),
    ...(e.token && { [TOKEN_FIELD]: e.token }),
  };
}

/** A P-256 key pair as SendGrid makes one; the public key in base64 DER, as its dashboard shows it. */
export function sendgridKeys() {
  const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  return { privateKey, publicKeyBase64: publicKey.export({ type: 'spki', format: 'der' }).toString('base64') };
}

/** The signature headers of `raw` (the body's exact text): ECDSA SHA-256 of timestamp + body, base64 DER. */
export function sendgridHeaders(privateKey: KeyObject, raw: string, timestamp = unixNow()) {
  const signature = sign(
    'sha256',
    Buffer.concat([Buffer.from(String(timestamp)), Buffer.from(raw)]),
    privateKey
  ).toString('base64');
  return {
    'Content-Type': 'application/json',
    'X-Twilio-Email-Event-Webhook-Signature': signature,
    'X-Twilio-Email-Event-Webhook-Timestamp': String(timestamp),
  };
}

// --- Postmark --------------------------------------------------------------------------------------

export interface PostmarkEvent {
  recordType: 'Delivery' | 'Bounce' | 'SpamComplaint' | 'Open';
  email: string;
  token?: string;
  type?: string;
  inactive?: boolean;
  messageId?: string;
  at?: string;
}

/** A Postmark webhook body as its webhook pages show them (the token in Metadata, from X-PM-Metadata-…). */
export function postmarkBody(e: PostmarkEvent) {
  const common = {
    RecordType: e.recordType,
    MessageStream: 'outbound',
    MessageID: e.messageId ?? randomUUID(),
    ServerID: 23,
    Tag: 'invoice',
    Metadata: e.token ? { 'message-run-token': e.token } : {},
  };
  const at = e.at ?? new Date().toISOString().replace('Z', '0000Z');
  if (e.recordType === 'Delivery')
    return { ...common, Recipient: e.email, DeliveredAt: at, Details: 'smtp;250 2.0.0 OK' };
  if (e.recordType === 'Open')
    return { ...common, Recipient: e.email, ReceivedAt: at, FirstOpen: true, Platform: 'WebMail' };
  const complaint = e.recordType === 'SpamComplaint';
  const type = complaint ? 'SpamComplaint' : (e.type ?? 'HardBounce');
  return {
    ...common,
    ID: Math.floor(Math.random() * 1e9),
    Type: type,
    TypeCode: complaint ? 512 : type === 'HardBounce' ? 1 : 4096,
    Name: complaint ? 'Spam complaint' : type,
    Description: complaint
      ? ''
      : 'The server was unable to deliver your message (ex: unknown user, mailbox not found).',
    Details: complaint ? 'Test spam complaint details' : 'smtp;550 5.1.1 The email account does not exist',
    Email: e.email,
    From: 'invoices@example.com',
    BouncedAt: at,
    DumpAvailable: true,
    Inactive: e.inactive ?? (complaint || type === 'HardBounce'),
    CanActivate: !complaint,
    Subject: 'Invoice',
  };
}

export const basicAuth = (user: string, password: string) =>
  `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
