import { startStrapi, type TestApp } from '../helpers/strapi';
import { loginAdminWithActions, loginSuperAdmin } from '../helpers/auth';
import { fixtures, unique } from '../helpers/fixtures';
import { startSmtpSink } from '../helpers/smtp';

/**
 * The admin-only routes of the panel: the new-run dialog's options (definitions, clusters with their
 * path) and the mail settings page (transport, test email through the real SMTP sink).
 */

let app: TestApp;
let sink: Awaited<ReturnType<typeof startSmtpSink>>;
const prefix = unique('Tree');

beforeAll(async () => {
  sink = await startSmtpSink();
  app = await startStrapi({
    SMTP_HOST: '127.0.0.1',
    SMTP_PORT: String(sink.port),
    SMTP_PASS: 'secret-pass',
    MESSAGE_RATE_LIMIT: '600',
    MESSAGE_RATE_LIMIT_PER_SECOND: '14',
    MESSAGE_DOMAIN_RATE_LIMITS: 'gmail.com=300, Outlook.com=120',
    MESSAGE_RUNS_PAUSE_AFTER_FAILURES: '30',
  });
  const make = fixtures(app.strapi);
  const europe = await make.cluster({ name: `${prefix} Europe` });
  const benelux = await make.cluster({ name: `${prefix} Benelux`, parent: europe.documentId });
  await make.cluster({ name: `${prefix} Netherlands`, parent: benelux.documentId });
  await make.definition({ name: `${prefix} Monthly 100%` });
  await make.definition({ name: `${prefix} Reminder` });
});
afterAll(async () => {
  await app?.stop();
  await sink?.stop();
});

const get = (path: string, token?: string) => {
  const req = app.http().get(path);
  return token ? req.set('Authorization', `Bearer ${token}`) : req;
};
const post = (path: string, body: object, token?: string) => {
  const req = app.http().post(path).send(body);
  return token ? req.set('Authorization', `Bearer ${token}`) : req;
};

const ROUTES = [
  {
    route: 'GET /message-runs/options/definitions',
    action: 'read',
    call: (t?: string) => get('/message-runs/options/definitions', t),
  },
  {
    route: 'GET /message-runs/options/clusters',
    action: 'read',
    call: (t?: string) => get('/message-runs/options/clusters', t),
  },
  { route: 'GET /message-runs/settings', action: 'settings', call: (t?: string) => get('/message-runs/settings', t) },
  {
    route: 'POST /message-runs/settings/test-email',
    action: 'settings',
    call: (t?: string) => post('/message-runs/settings/test-email', { to: 'ops@example.com' }, t),
  },
] as const;

describe('access', () => {
  let reader: string;
  let settingsOnly: string;
  beforeAll(async () => {
    reader = await loginAdminWithActions(app, ['plugin::message-runs.read']);
    settingsOnly = await loginAdminWithActions(app, ['plugin::message-runs.settings']);
  });
  const table = ROUTES.map((route) => [route.route, route] as const);

  it.each(table)('%s answers 401 without a token', async (_name, route) => {
    expect((await route.call()).status).toBe(401);
  });

  it.each(table)('%s answers 403 without its action, 200 with it', async (_name, route) => {
    const [allowed, refused] = route.action === 'read' ? [reader, settingsOnly] : [settingsOnly, reader];
    const res = await route.call(refused);
    expect(res.status).toBe(403);
    expect(res.body.error).toMatchObject({ status: 403, name: 'PolicyError' });
    expect((await route.call(allowed)).status).toBe(200);
  });

  it('is not on the content API', async () => {
    expect((await get('/api/message-runs/options/clusters')).status).toBe(404);
    expect((await get('/api/message-runs/settings')).status).toBe(404);
  });
});

describe('options', () => {
  let token: string;
  beforeAll(async () => {
    token = await loginSuperAdmin(app);
  });

  it('lists definitions by name, filtered by q with LIKE wildcards taken literally', async () => {
    const all = await get(`/message-runs/options/definitions?q=${encodeURIComponent(prefix)}`, token);
    expect(all.status).toBe(200);
    expect(all.body.data.map((d: { name: string }) => d.name)).toEqual([
      `${prefix} Monthly 100%`,
      `${prefix} Reminder`,
    ]);
    expect(all.body.data[0].documentId).toMatch(/^[a-z0-9]{24}$/);
    const percent = await get(`/message-runs/options/definitions?q=${encodeURIComponent('100%')}`, token);
    expect(percent.body.data.map((d: { name: string }) => d.name)).toEqual([`${prefix} Monthly 100%`]);
  });

  it('lists clusters with their path from the root; q matches any name on the path', async () => {
    const res = await get(`/message-runs/options/clusters?q=${encodeURIComponent(`${prefix} benelux`)}`, token);
    expect(res.status).toBe(200);
    expect(res.body.data.map((c: { path: string[] }) => c.path.join(' / '))).toEqual([
      `${prefix} Europe / ${prefix} Benelux`,
      `${prefix} Europe / ${prefix} Benelux / ${prefix} Netherlands`,
    ]);
    expect(res.body.data[1]).toMatchObject({ name: `${prefix} Netherlands`, documentId: expect.any(String) });
  });

  it('refuses a q that is too long, naming the field', async () => {
    const res = await get(`/message-runs/options/clusters?q=${'x'.repeat(201)}`, token);
    expect(res.status).toBe(400);
    expect(res.body.error.details.errors[0].path).toEqual(['q']);
  });
});

describe('mail settings', () => {
  let token: string;
  beforeAll(async () => {
    token = await loginSuperAdmin(app);
  });

  it('shows the SMTP transport, the limits as configured and no pace before any delivery, never the password', async () => {
    const res = await get('/message-runs/settings', token);
    expect(res.body.data).toEqual({
      transport: { kind: 'smtp', host: '127.0.0.1', port: sink.port, secure: false, user: null },
      maxConnections: 5,
      rateLimitPerMinute: 600,
      rateLimitPerSecond: 14,
      domainRateLimits: [
        { domain: 'gmail.com', perMinute: 300 },
        { domain: 'outlook.com', perMinute: 120 },
      ],
      pauseAfterFailures: 30,
      pace: { lastThrottledAt: null, instances: [] },
    });
    expect(JSON.stringify(res.body)).not.toContain('secret-pass');
  });

  it('sends a test email through the SMTP server and reports its answer', async () => {
    const before = sink.received.length;
    const res = await post('/message-runs/settings/test-email', { to: 'ops@example.com' }, token);
    expect(res.status).toBe(200);
    expect(res.body.data).toMatchObject({ status: 'sent', response: expect.stringMatching(/^250/) });
    expect(sink.received.length).toBe(before + 1);
    expect(sink.received.at(-1)!.envelope.to).toEqual(['ops@example.com']);
    expect(sink.received.at(-1)!.parsed.subject).toBe('Message Runs test email');
  });

  it('reports the server refusing the recipient as the error', async () => {
    sink.answerRecipients((address) =>
      address === 'nobody@example.com' ? { code: 550, message: 'No such user' } : undefined
    );
    const res = await post('/message-runs/settings/test-email', { to: 'nobody@example.com' }, token);
    sink.answerRecipients(() => undefined);
    expect(res.status).toBe(200);
    expect(res.body.data).toEqual({ status: 'failed', error: expect.stringMatching(/550.*No such user/) });
  });

  it('refuses an invalid recipient with 400 naming the field', async () => {
    const res = await post('/message-runs/settings/test-email', { to: 'not-an-address' }, token);
    expect(res.status).toBe(400);
    expect(res.body.error.details.errors[0]).toMatchObject({
      path: ['to'],
      message: expect.stringMatching(/^to holds/),
    });
  });
});
