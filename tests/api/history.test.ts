import http, { type Server } from 'http';
import type { AddressInfo } from 'net';
import type { TestApp } from '../helpers/strapi';
import type { Doc } from '../helpers/fixtures';
import { startDeliveryApp, type DeliveryWorld } from '../helpers/delivery';
import type { SmtpSink } from '../helpers/smtp';
import { loginNamedSuperAdmin } from '../helpers/auth';
import type { Actor } from '../../src/plugins/message-runs/shared/contracts/events';
import { runsApi, type RunsApi } from '../helpers/runs';

/**
 * History (DESIGN.md §3, "History"): every result and run says what happened, when and who did it
 * (an admin, an API token, the queue), and the plugin's events reach Strapi's webhooks with the
 * documented payloads (§3, "Strapi webhooks").
 */
const PAUSE_AFTER_FAILURES = 3;

let app: TestApp;
let smtp: SmtpSink;
let stop: () => Promise<void>;
let delivery: DeliveryWorld;
let admin: RunsApi;
let integrator: RunsApi;
let adminActor: Actor;
let tokenActor: { kind: 'api-token'; id: string; name: string };
let receiver: { server: Server; received: { event: string; body: any }[] };

/** A tiny HTTP server that keeps what Strapi's webhooks post to it. */
async function startReceiver() {
  const received: { event: string; body: any }[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      received.push({ event: String(req.headers['x-strapi-event']), body: JSON.parse(body) });
      res.end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, received };
}

beforeAll(async () => {
  ({ app, smtp, delivery, stop } = await startDeliveryApp({
    MESSAGE_RUNS_PAUSE_AFTER_FAILURES: String(PAUSE_AFTER_FAILURES),
  }));
  const { token: jwt, actor } = await loginNamedSuperAdmin(app, 'Ada', 'Lovelace');
  adminActor = actor;
  admin = runsApi(app, jwt, { admin: true });
  const token = await app.strapi
    .service('admin::api-token')
    .create({ name: `integrator-${Date.now()}`, type: 'full-access', lifespan: null, description: '' });
  tokenActor = { kind: 'api-token', id: String(token.id), name: token.name };
  integrator = runsApi(app, token.accessKey);

  receiver = await startReceiver();
  const webhook = await app
    .http()
    .post('/admin/webhooks')
    .set('Authorization', `Bearer ${jwt}`)
    .send({
      name: 'message runs',
      url: `http://127.0.0.1:${(receiver.server.address() as AddressInfo).port}/hook`,
      headers: {},
      events: ['message-run.completed', 'message-run.paused', 'message-result.failed', 'message-result.bounced'],
    });
  // Strapi's webhook store refuses events nobody registered: the plugin's are accepted.
  expect(webhook.status).toBe(201);
});
afterAll(async () => {
  await new Promise((resolve) => receiver?.server.close(resolve));
  await stop?.();
});
beforeEach(() => {
  smtp.reset();
  receiver.received.length = 0;
});

const queue = () => app.strapi.plugin('message-runs').service('queue');
const system = () => ({ kind: 'system', id: queue().workerId, name: 'queue' });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function tickUntilIdle() {
  while ((await queue().tick()).claimed) {}
}

async function eventsOf(api: RunsApi, kind: 'run' | 'result', documentId: string) {
  const res = await (kind === 'run' ? api.runEvents(documentId) : api.resultEvents(documentId));
  expect(res.status).toBe(200);
  return res.body.data;
}

/** Waits until the receiver has `count` posts of `event` (Strapi posts them from a queue), and a little more for any extra. */
async function webhooksOf(event: string, count: number) {
  const deadline = Date.now() + 10_000;
  const of = () => receiver.received.filter((post) => post.event === event);
  while (of().length < count && Date.now() < deadline) await sleep(50);
  await sleep(300);
  return of().map((post) => post.body);
}

it('records each result and the run, with who did it, and announces completions and failures once', async () => {
  const w = await delivery.world();
  const names = ['Ok', 'Bad', 'Slow', 'Flaky', 'Gone'];
  for (const name of names)
    await w.invoiceWithPdf(await w.customer(name, `${name.toLowerCase()}@example.com`), `INV-${name}`);
  const noAddress = await app.strapi
    .documents('api::customer.customer')
    .create({
      data: {
        code: `NOADDR-${Date.now()}`,
        name: 'No Address',
        cluster: w.cluster.documentId,
        emailAddresses: [],
      } as any,
    });
  await w.invoiceWithPdf(noAddress as Doc, 'INV-None');

  // The sink refuses bad@ for good, and slow@ and flaky@ for now (450); flaky@ for good on its next try.
  const tries = new Map<string, number>();
  smtp.answerRecipients((address) => {
    const n = (tries.get(address) ?? 0) + 1;
    tries.set(address, n);
    if (address === 'bad@example.com') return { code: 550, message: '5.1.1 No such user' };
    if (address === 'slow@example.com' && n === 1) return { code: 450, message: '4.2.1 Mailbox busy' };
    if (address === 'flaky@example.com')
      return n === 1 ? { code: 450, message: '4.2.1 Mailbox busy' } : { code: 550, message: '5.1.1 Gone away' };
    return undefined;
  });

  const run = await admin.createRun({
    definition: w.definition.documentId,
    cluster: w.cluster.documentId,
    includeChildren: false,
    periodStart: '2026-01-01',
    periodEnd: '2026-01-31',
    bcc: [],
  });
  const results = await admin.allResults(run.documentId);
  const resultOf = (name: string) => results.find((result) => result.customer!.name === name)!.documentId;

  expect((await integrator.remove(run.documentId, { ids: [resultOf('Gone')] })).body.data).toEqual({
    removed: 1,
    inFlight: 0,
  });
  expect((await admin.start(run.documentId)).status).toBe(200);
  await tickUntilIdle();
  await delivery.makeRetriesDue();
  await tickUntilIdle();
  expect((await admin.get(run.documentId)).body.data.status).toBe('completed');

  // bad@ again, by the API token: a new failure, announced again.
  expect((await integrator.resend(run.documentId, { ids: [resultOf('Bad')] })).body.data).toEqual({
    requeued: 1,
    skipped: 0,
    suppressed: 0,
    inFlight: 0,
  });
  await tickUntilIdle();

  // Results: oldest first, the same on the admin and the content API.
  const history = (name: string) => eventsOf(admin, 'result', resultOf(name));
  const created = { type: 'created', actor: adminActor, detail: null };
  expect(await history('Ok')).toMatchObject([
    created,
    {
      type: 'sent',
      actor: system(),
      detail: {
        attempts: 1,
        recipient: 'ok@example.com',
        response: expect.stringMatching(/^250/),
        messageId: expect.stringMatching(/^<.+>$/),
      },
    },
  ]);
  expect(await history('Slow')).toMatchObject([
    created,
    {
      type: 'retrying',
      actor: system(),
      detail: {
        attempts: 1,
        reason: 'smtp-transient',
        error: expect.stringContaining('450'),
        nextAttemptAt: expect.any(String),
      },
    },
    { type: 'sent', actor: system(), detail: { attempts: 2, response: expect.stringMatching(/^250/) } },
  ]);
  expect(await history('Flaky')).toMatchObject([
    created,
    { type: 'retrying', actor: system(), detail: { attempts: 1, reason: 'smtp-transient' } },
    {
      type: 'failed',
      actor: system(),
      detail: { attempts: 2, reason: 'recipient-rejected', error: expect.stringContaining('Gone away') },
    },
  ]);
  const bad = await history('Bad');
  expect(bad).toMatchObject([
    created,
    {
      type: 'failed',
      actor: system(),
      detail: { attempts: 1, reason: 'recipient-rejected', error: expect.stringContaining('550') },
    },
    { type: 'resent', actor: tokenActor, detail: { status: 'queued', reason: null } },
    { type: 'failed', actor: system(), detail: { attempts: 1, reason: 'recipient-rejected' } },
  ]);
  expect(bad.map((event) => event.at)).toEqual([...bad.map((event) => event.at)].sort());
  expect(await eventsOf(integrator, 'result', resultOf('Bad'))).toEqual(bad);
  expect(await history('No Address')).toEqual([
    { at: expect.any(String), type: 'skipped', actor: adminActor, detail: { reason: 'no-recipient' } },
  ]);
  // A removed result's history stays, read by its documentId.
  expect(await history('Gone')).toMatchObject([created, { type: 'removed', actor: tokenActor, detail: null }]);

  // The run's audit trail: its own entries only.
  const trail = await eventsOf(integrator, 'run', run.documentId);
  expect(trail).toMatchObject([
    {
      type: 'created',
      actor: adminActor,
      detail: { definition: { documentId: w.definition.documentId }, cluster: { documentId: w.cluster.documentId } },
    },
    { type: 'removed', actor: tokenActor, detail: { removed: 1, inFlight: 0 } },
    { type: 'started', actor: adminActor },
    { type: 'completed', actor: system() },
    { type: 'resent', actor: tokenActor, detail: { requeued: 1, skipped: 0, suppressed: 0, inFlight: 0 } },
    { type: 'completed', actor: system() },
  ]);
  expect(trail).toHaveLength(6);
  expect(await eventsOf(admin, 'run', run.documentId)).toEqual(trail);

  // Webhooks: each completion; each failure for good once (flaky@ retried first, then failed once;
  // bad@ failed, was resent and failed again), none for the retry.
  const failed = await webhooksOf('message-result.failed', 3);
  const failure = (name: string, error: string) => ({
    event: 'message-result.failed',
    createdAt: expect.any(String),
    run: { documentId: run.documentId },
    result: {
      documentId: resultOf(name),
      status: 'failed',
      reason: 'recipient-rejected',
      error: expect.stringContaining(error),
      recipient: `${name.toLowerCase()}@example.com`,
      messageId: null,
    },
  });
  expect(failed).toHaveLength(3);
  expect(failed).toEqual(expect.arrayContaining([failure('Bad', '550'), failure('Flaky', 'Gone away')]));
  expect(failed.filter((body) => body.result.documentId === resultOf('Bad'))).toHaveLength(2);
  const completed = await webhooksOf('message-run.completed', 2);
  expect(completed).toHaveLength(2);
  expect(completed[1]).toEqual({
    event: 'message-run.completed',
    createdAt: expect.any(String),
    run: expect.objectContaining({
      documentId: run.documentId,
      status: 'completed',
      completedAt: expect.any(String),
      counts: expect.objectContaining({ total: 5, sent: 2, failed: 2, skipped: 1 }),
    }),
  });
});

it("records a pause by the queue with its last error, announces it, and keeps a deleted run's trail", async () => {
  const w = await delivery.world();
  for (const n of [1, 2, 3, 4, 5])
    await w.invoiceWithPdf(await w.customer(`Paused ${n}`, `paused${n}@example.com`), `INV-P${n}`);
  // Every recipient refused for want of authentication: the server's fault, not the recipients'.
  smtp.answerRecipients(() => ({ code: 530, message: '5.7.0 Authentication required' }));
  const run = await admin.createRun({
    definition: w.definition.documentId,
    cluster: w.cluster.documentId,
    includeChildren: false,
    periodStart: '2026-01-01',
    periodEnd: '2026-01-31',
    bcc: [],
  });
  await admin.start(run.documentId);
  await queue().tick();
  expect((await admin.get(run.documentId)).body.data).toMatchObject({
    status: 'stopped',
    stopReason: 'paused-after-failures',
  });

  const [paused] = await webhooksOf('message-run.paused', 1);
  expect(paused).toEqual({
    event: 'message-run.paused',
    createdAt: expect.any(String),
    run: expect.objectContaining({
      documentId: run.documentId,
      status: 'stopped',
      stopReason: 'paused-after-failures',
      lastError: expect.stringContaining('530'),
    }),
  });
  expect(await webhooksOf('message-result.failed', 0)).toEqual([]);

  const [oneResult] = await admin.allResults(run.documentId);
  expect((await integrator.delete(run.documentId)).status).toBe(200);
  // The run is gone; its trail is not.
  expect((await admin.get(run.documentId)).status).toBe(404);
  expect(await eventsOf(admin, 'run', run.documentId)).toMatchObject([
    { type: 'created', actor: adminActor },
    { type: 'started', actor: adminActor },
    {
      type: 'paused',
      actor: system(),
      detail: { failures: PAUSE_AFTER_FAILURES, lastError: expect.stringContaining('530') },
    },
    { type: 'deleted', actor: tokenActor, detail: { removedResults: 5 } },
  ]);
  // A deleted run's results are read through its trail only (DESIGN.md §3, "History").
  expect((await admin.resultEvents(oneResult.documentId)).status).toBe(404);
});

it('answers 404 for a documentId that never named a result or run', async () => {
  const unknown = 'z'.repeat(24);
  expect((await admin.resultEvents(unknown)).status).toBe(404);
  expect((await integrator.runEvents(unknown)).status).toBe(404);
});
