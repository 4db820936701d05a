import { generateKeyPairSync } from 'crypto';
import { env } from '@strapi/utils';
import config from '../../src/plugins/message-runs/server/src/config';
import {
  createWebhookProviders,
  tokenHeaders,
  type WebhooksConfig,
} from '../../src/plugins/message-runs/server/src/services/webhook-providers';
import {
  basicAuth,
  mailgunBody,
  mailgunEventData,
  postmarkBody,
  sendgridEvent,
  sendgridHeaders,
  sendgridKeys,
} from '../helpers/provider-webhooks';

const SIGNING_KEY = 'key-3ax6xnjp29jd6fds4gc373sgvjxteol0';
const keys = sendgridKeys();
const CONFIG: WebhooksConfig = {
  mailgun: { signingKey: SIGNING_KEY },
  sendgrid: { publicKey: keys.publicKeyBase64 },
  postmark: { user: 'postmark', password: 'correct horse battery staple' },
};

const setup = () => {
  const providers = createWebhookProviders();
  const verify = (
    name: keyof typeof providers,
    request: { headers?: Record<string, string>; body: unknown; rawBody?: string },
    now = new Date()
  ) => {
    const provider = providers[name];
    const headers = Object.fromEntries(
      Object.entries(request.headers ?? {}).map(([key, value]) => [key.toLowerCase(), value])
    );
    return provider.verify({ ...request, headers }, provider.secretsOf(CONFIG), now);
  };
  return { providers, verify };
};

describe('Mailgun', () => {
  it('accepts its signature and refuses a wrong one, another key’s, an old or future timestamp, and a reused token', () => {
    const { providers, verify } = setup();
    const body = mailgunBody(SIGNING_KEY, mailgunEventData({ event: 'delivered', recipient: 'ann@example.com' }));
    expect(verify('mailgun', { body })).toBeUndefined();
    providers.mailgun.accepted!({ headers: {}, body });
    expect(verify('mailgun', { body })).toBe('the signature token was used already');

    const tampered = {
      ...body,
      signature: { ...body.signature, timestamp: String(Number(body.signature.timestamp) + 1) },
    };
    expect(verify('mailgun', { body: tampered })).toBe('the signature does not match');
    expect(verify('mailgun', { body: mailgunBody('another key', body['event-data']) })).toBe(
      'the signature does not match'
    );
    expect(verify('mailgun', { body: { 'event-data': body['event-data'] } })).toBe('the body has no signature');

    const now = Math.floor(Date.now() / 1000);
    expect(verify('mailgun', { body: mailgunBody(SIGNING_KEY, {}, { timestamp: now - 301 }) })).toBe(
      'the signature timestamp is older than 5 minutes'
    );
    expect(verify('mailgun', { body: mailgunBody(SIGNING_KEY, {}, { timestamp: now + 301 }) })).toBe(
      'the signature timestamp is more than 5 minutes ahead'
    );
    expect(verify('mailgun', { body: mailgunBody(SIGNING_KEY, {}, { timestamp: now - 290 }) })).toBeUndefined();
  });

  it('maps delivered, permanent and temporary failures and complaints; ignores the other events', () => {
    const { providers } = setup();
    const reportOf = (event: Parameters<typeof mailgunEventData>[0]) =>
      providers.mailgun.reportsOf(mailgunBody(SIGNING_KEY, mailgunEventData(event)));
    const [delivered] = reportOf({
      event: 'delivered',
      recipient: 'ann@example.com',
      token: 'tok',
      messageId: 'abc@mg.example',
      id: 'ev1',
      timestamp: 1770146431.6585283,
    });
    expect(delivered).toEqual({
      kind: 'delivered',
      source: 'mailgun',
      key: 'ev1:1770146431.6585283',
      token: 'tok',
      messageId: 'abc@mg.example',
      recipient: 'ann@example.com',
      status: '250',
      diagnostic: 'OK',
      at: new Date(1770146431658.5283),
    });
    expect(reportOf({ event: 'failed', severity: 'permanent', recipient: 'a@example.com' })[0]).toMatchObject({
      kind: 'bounced',
      status: '550',
    });
    expect(reportOf({ event: 'failed', severity: 'temporary', recipient: 'a@example.com' })[0]).toMatchObject({
      kind: 'delayed',
      status: '452',
    });
    expect(reportOf({ event: 'complained', recipient: 'a@example.com' })[0]).toMatchObject({
      kind: 'complained',
      status: undefined,
    });
    expect(reportOf({ event: 'opened', recipient: 'a@example.com' })).toEqual([]);
  });

  it('refuses a body without event-data, an event without id or time, or a failure of unknown severity', () => {
    const { providers } = setup();
    const reports = (eventData: unknown) => () =>
      providers.mailgun.reportsOf({ signature: {}, 'event-data': eventData });
    expect(reports(undefined)).toThrow('event-data must be an object');
    expect(reports({ event: 'delivered', timestamp: 1 })).toThrow('event-data.id must be a non-empty string');
    expect(reports({ event: 'delivered', id: 'x', timestamp: 'yesterday' })).toThrow(
      'event-data.timestamp must be a time in Unix seconds'
    );
    expect(reports({ event: 'failed', id: 'x', timestamp: 1 })).toThrow(
      'event-data.severity must be permanent or temporary'
    );
    expect(reports({ id: 'x' })).toThrow('event-data.event must be a non-empty string');
  });
});

describe('SendGrid', () => {
  const signed = (
    events: unknown,
    { timestamp, privateKey = keys.privateKey }: { timestamp?: number; privateKey?: typeof keys.privateKey } = {}
  ) => {
    const raw = JSON.stringify(events);
    return { headers: sendgridHeaders(privateKey, raw, timestamp), body: JSON.parse(raw), rawBody: raw };
  };

  it('verifies the ECDSA signature over timestamp + the body’s bytes as sent', () => {
    const { verify } = setup();
    const request = signed([sendgridEvent({ event: 'delivered', email: 'ann@example.com' })]);
    expect(verify('sendgrid', request)).toBeUndefined();
    // The same JSON written again (spacing) is other bytes: a re-serialized body would never verify.
    expect(verify('sendgrid', { ...request, rawBody: JSON.stringify(request.body, null, 1) })).toBe(
      'the signature does not match'
    );
    expect(verify('sendgrid', { ...request, rawBody: undefined })).toBe('the body is not JSON as sent');
    expect(
      verify('sendgrid', {
        ...request,
        headers: {
          ...request.headers,
          'X-Twilio-Email-Event-Webhook-Timestamp': String(
            Number(request.headers['X-Twilio-Email-Event-Webhook-Timestamp']) + 1
          ),
        },
      })
    ).toBe('the signature does not match');
    expect(
      verify('sendgrid', {
        ...request,
        headers: { ...request.headers, 'X-Twilio-Email-Event-Webhook-Signature': 'bm90IGRlcg==' },
      })
    ).toBe('the signature does not match');
    expect(verify('sendgrid', { body: request.body, rawBody: request.rawBody })).toBe('the request has no signature');
    expect(verify('sendgrid', signed([], { privateKey: sendgridKeys().privateKey }))).toBe(
      'the signature does not match'
    );
    const old = Math.floor(Date.now() / 1000) - 301;
    expect(verify('sendgrid', signed([], { timestamp: old }))).toBe('the signature timestamp is older than 5 minutes');
  });

  it('maps each event type as SendGrid documents it', () => {
    const { providers } = setup();
    const kinds = (...events: Parameters<typeof sendgridEvent>[0][]) =>
      providers.sendgrid.reportsOf(events.map(sendgridEvent)).map((report) => report.kind);
    const email = 'ann@example.com';
    expect(kinds({ event: 'delivered', email }, { event: 'deferred', email }, { event: 'spamreport', email })).toEqual([
      'delivered',
      'delayed',
      'complained',
    ]);
    expect(kinds({ event: 'bounce', email, type: 'bounce' }, { event: 'bounce', email, type: 'blocked' })).toEqual([
      'bounced',
      'delayed',
    ]);
    expect(
      kinds(
        { event: 'dropped', email, reason: 'Bounced Address' },
        { event: 'dropped', email, reason: 'Invalid' },
        { event: 'dropped', email, reason: 'Unsubscribed Address' },
        { event: 'dropped', email, reason: 'Spam Reporting Address' },
        { event: 'dropped', email, reason: 'Spam Content (if spam checker app enabled)' }
      )
    ).toEqual(['bounced', 'bounced', 'bounced', 'complained', 'delayed']);
    expect(kinds({ event: 'processed', email }, { event: 'open', email })).toEqual([]);
    const event = sendgridEvent({ event: 'bounce', email, token: 'tok', id: 'sg-1', timestamp: 1513299569 });
    expect(providers.sendgrid.reportsOf([event])).toEqual([
      {
        kind: 'bounced',
        source: 'sendgrid',
        key: 'sg-1',
        token: 'tok',
        recipient: email,
        status: '5.0.0',
        diagnostic: '500 unknown recipient',
        at: new Date(1513299569000),
      },
    ]);
  });

  it('refuses a body that is not a list of events, and a handled event without its id or time', () => {
    const { providers } = setup();
    expect(() => providers.sendgrid.reportsOf({ event: 'delivered' })).toThrow('body must be a JSON array of events');
    expect(() => providers.sendgrid.reportsOf([1])).toThrow('[0] must be an event object');
    expect(() => providers.sendgrid.reportsOf([{ event: 'delivered', timestamp: 1 }])).toThrow(
      '[0].sg_event_id must be a non-empty string'
    );
    expect(() => providers.sendgrid.reportsOf([{ event: 'delivered', sg_event_id: 'x' }])).toThrow(
      '[0].timestamp must be a time in Unix seconds'
    );
    // An event this plugin does not act on needs only its type.
    expect(providers.sendgrid.reportsOf([{ event: 'open' }])).toEqual([]);
  });
});

describe('Postmark', () => {
  it('accepts its basic auth credentials only', () => {
    const { verify } = setup();
    const body = postmarkBody({ recordType: 'Delivery', email: 'ann@example.com' });
    expect(
      verify('postmark', { body, headers: { authorization: basicAuth('postmark', 'correct horse battery staple') } })
    ).toBeUndefined();
    expect(verify('postmark', { body, headers: { authorization: basicAuth('postmark', 'wrong') } })).toBe(
      'the credentials do not match'
    );
    expect(
      verify('postmark', { body, headers: { authorization: basicAuth('someone', 'correct horse battery staple') } })
    ).toBe('the credentials do not match');
    expect(verify('postmark', { body, headers: { authorization: 'Bearer abc' } })).toBe(
      'the request has no basic auth credentials'
    );
    expect(verify('postmark', { body })).toBe('the request has no basic auth credentials');
  });

  it('maps deliveries, bounces by type and complaints, with a key made of the record', () => {
    const { providers } = setup();
    const kind = (event: Parameters<typeof postmarkBody>[0]) =>
      providers.postmark.reportsOf(postmarkBody(event))[0]?.kind;
    const email = 'ann@example.com';
    expect(kind({ recordType: 'Delivery', email })).toBe('delivered');
    expect(kind({ recordType: 'SpamComplaint', email })).toBe('complained');
    expect(kind({ recordType: 'Bounce', email, type: 'HardBounce' })).toBe('bounced');
    expect(kind({ recordType: 'Bounce', email, type: 'BadEmailAddress', inactive: true })).toBe('bounced');
    expect(kind({ recordType: 'Bounce', email, type: 'SoftBounce' })).toBe('delayed');
    expect(kind({ recordType: 'Bounce', email, type: 'Transient' })).toBe('delayed');
    expect(kind({ recordType: 'Bounce', email, type: 'DnsError' })).toBe('delayed');
    // Postmark deactivated the address: it sends nothing more there.
    expect(kind({ recordType: 'Bounce', email, type: 'Blocked', inactive: true })).toBe('bounced');
    expect(kind({ recordType: 'Bounce', email, type: 'AutoResponder' })).toBeUndefined();
    expect(kind({ recordType: 'Open', email })).toBeUndefined();

    const body = postmarkBody({
      recordType: 'Delivery',
      email: 'Ann@Example.com',
      token: 'tok',
      messageId: 'm-1',
      at: '2019-11-05T16:33:54.9070259Z',
    });
    expect(providers.postmark.reportsOf(body)).toEqual([
      {
        kind: 'delivered',
        source: 'postmark',
        key: 'Delivery::m-1:2019-11-05T16:33:54.9070259Z:ann@example.com',
        token: 'tok',
        recipient: 'Ann@Example.com',
        status: undefined,
        diagnostic: 'smtp;250 2.0.0 OK',
        at: new Date('2019-11-05T16:33:54.907Z'),
      },
    ]);
  });

  it('refuses a body without a record type, a message id or a valid time', () => {
    const { providers } = setup();
    expect(() => providers.postmark.reportsOf([])).toThrow('body must be a JSON object');
    expect(() => providers.postmark.reportsOf({ MessageID: 'x' })).toThrow(
      'body.RecordType must be a non-empty string'
    );
    const delivery = postmarkBody({ recordType: 'Delivery', email: 'a@example.com' });
    expect(() => providers.postmark.reportsOf({ ...delivery, MessageID: undefined })).toThrow(
      'body.MessageID must be a non-empty string'
    );
    expect(() => providers.postmark.reportsOf({ ...delivery, DeliveredAt: 'soon' })).toThrow(
      'body.DeliveredAt must be an ISO 8601 date'
    );
  });
});

describe('token headers', () => {
  it('asks each configured provider, and only those, to echo the token', () => {
    // Prepared: nodemailer sends them as written, not MIME-encoded, so the provider reads the JSON.
    expect(tokenHeaders(CONFIG, 'tok')).toEqual({
      'X-Mailgun-Variables': { prepared: true, value: '{"message_run_token":"tok"}' },
      'X-SMTPAPI': { prepared: true, value: '{"unique_args":{"message_run_token":"tok"}}' },
      'X-PM-Metadata-message-run-token': { prepared: true, value: 'tok' },
    });
    expect(tokenHeaders({ mailgun: {}, sendgrid: {}, postmark: { user: 'u', password: 'p' } }, 'tok')).toEqual({
      'X-PM-Metadata-message-run-token': { prepared: true, value: 'tok' },
    });
    expect(tokenHeaders({ mailgun: {}, sendgrid: {}, postmark: {} }, 'tok')).toBeUndefined();
  });
});

describe('configuration', () => {
  const withEnv = (vars: Record<string, string>, fn: () => void) => {
    const saved = { ...process.env };
    Object.assign(process.env, vars);
    try {
      fn();
    } finally {
      process.env = saved;
    }
  };
  const validate = () => config.validator(config.default({ env }));

  it('refuses a SendGrid key that does not parse, naming the variable and not the value', () => {
    withEnv(
      { MESSAGE_RETURN_PATH_SECRET: 'a secret of some length', SENDGRID_WEBHOOK_PUBLIC_KEY: 'bm90IGEga2V5' },
      () => {
        expect(validate).toThrow(/SENDGRID_WEBHOOK_PUBLIC_KEY\) is not the webhook's verification key/);
        expect(validate).not.toThrow(/bm90IGEga2V5/);
      }
    );
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 })
      .publicKey.export({ type: 'spki', format: 'der' })
      .toString('base64');
    withEnv({ MESSAGE_RETURN_PATH_SECRET: 'a secret of some length', SENDGRID_WEBHOOK_PUBLIC_KEY: rsa }, () => {
      expect(validate).toThrow(/it is a rsa key, not an elliptic-curve/);
    });
    withEnv(
      { MESSAGE_RETURN_PATH_SECRET: 'a secret of some length', SENDGRID_WEBHOOK_PUBLIC_KEY: keys.publicKeyBase64 },
      () => {
        expect(validate).not.toThrow();
      }
    );
  });

  it('wants the Postmark user and password together, and the token secret with any webhook', () => {
    withEnv({ MESSAGE_RETURN_PATH_SECRET: 'a secret of some length', POSTMARK_WEBHOOK_USER: 'postmark' }, () => {
      expect(validate).toThrow(/POSTMARK_WEBHOOK_USER and POSTMARK_WEBHOOK_PASSWORD must be set together/);
    });
    withEnv({ MAILGUN_WEBHOOK_SIGNING_KEY: SIGNING_KEY }, () => {
      delete process.env.MESSAGE_RETURN_PATH_SECRET;
      expect(validate).toThrow(
        /MESSAGE_RETURN_PATH_SECRET\) must be set, at least 16 characters, when a provider webhook is/
      );
      expect(validate).not.toThrow(new RegExp(SIGNING_KEY));
    });
  });
});
