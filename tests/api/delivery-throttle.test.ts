import type { TestApp } from '../helpers/strapi';
import { deliveriesOf, freePort, startSmtpSink, type SmtpSink } from '../helpers/smtp';
import { startDeliveryApp, type DeliveryWorld } from '../helpers/delivery';
import { seedRun } from '../helpers/bulk-run';
import { loginSuperAdmin } from '../helpers/auth';
import { runsApi } from '../helpers/runs';

/**
 * When the server, not the recipient, is the trouble (DESIGN.md §3): a throttled message is retried
 * soon, its attempt not counted, and slows the instance; a run pauses itself after
 * `pauseAfterFailures` such failures in a row, and says why it stopped.
 */
const THROTTLE_RETRY_SECONDS = 1;

let app: TestApp;
let smtp: SmtpSink;
let stop: () => Promise<void>;
let delivery: DeliveryWorld;
let admin: ReturnType<typeof runsApi>;
let token: string;

beforeAll(async () => {
  ({ app, smtp, delivery, stop } = await startDeliveryApp({ MESSAGE_THROTTLE_RETRY_SECONDS: String(THROTTLE_RETRY_SECONDS) }));
  token = await loginSuperAdmin(app);
  admin = runsApi(app, token, { admin: true });
});
afterAll(() => stop?.());
beforeEach(() => smtp.reset());

const queue = () => app.strapi.plugin('message-runs').service('queue');
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const getRun = async (documentId: string) => (await admin.get(documentId)).body.data;

async function tickUntilIdle() {
  while ((await queue().tick()).claimed) {}
}

/** Points the mail pool at another port: the next message starts a new pool there. */
function useSmtpPort(port: number) {
  app.strapi.config.set('plugin::message-runs.smtp.port', port);
  app.strapi.plugin('message-runs').service('mailer').close();
}

it('says a run was stopped by the admin, and has no stop reason while never stopped', async () => {
  const { runDocumentId } = await seedRun(app.strapi, 3);
  expect(await getRun(runDocumentId)).toMatchObject({ status: 'running', stopReason: null, lastError: null });

  expect((await admin.stop(runDocumentId)).body.data).toMatchObject({ status: 'stopped', stopReason: 'stopped-by-admin', lastError: null });
  // Start keeps the reason: a resumed run still says how it was last stopped.
  expect((await admin.start(runDocumentId)).body.data).toMatchObject({ status: 'running', stopReason: 'stopped-by-admin' });
  await admin.stop(runDocumentId);
});

it('fails results refused by a 550 as recipient-rejected and never pauses the run for them', async () => {
  const { pauseAfterFailures } = app.strapi.config.get('plugin::message-runs') as { pauseAfterFailures: number };
  const size = pauseAfterFailures + 10;
  const { runDocumentId } = await seedRun(app.strapi, size);
  smtp.answerRecipients(() => ({ code: 550, message: '5.1.1 No such user' }));

  await tickUntilIdle();

  const run = await getRun(runDocumentId);
  expect(run).toMatchObject({ status: 'completed', stopReason: null, counts: { failed: size } });
  const results = await admin.allResults(runDocumentId);
  expect(new Set(results.map((result) => `${result.status} ${result.reason} ${result.attempts}`))).toEqual(new Set(['failed recipient-rejected 1']));
});

/** A server fault that is not the recipients': `begin` breaks the server, `end` mends it and gives the sink that then receives. */
interface ServerFault {
  lastError: RegExp;
  begin(): Promise<void>;
  end(): Promise<SmtpSink>;
  cleanUp(): Promise<void>;
}

function closedPort(): ServerFault {
  let port: number;
  let reopened: SmtpSink | undefined;
  return {
    lastError: /ECONNREFUSED/,
    async begin() {
      port = await freePort();
      useSmtpPort(port);
    },
    async end() {
      reopened = await startSmtpSink(port);
      return reopened;
    },
    async cleanUp() {
      useSmtpPort(smtp.port);
      await reopened?.stop();
    },
  };
}

function refusedLogin(): ServerFault {
  return {
    lastError: /530/,
    async begin() {
      smtp.answerRecipients(() => ({ code: 530, message: '5.7.0 Authentication required' }));
    },
    async end() {
      smtp.answerRecipients(() => undefined);
      return smtp;
    },
    async cleanUp() {},
  };
}

it.each([
  ['a closed port', closedPort],
  ['a server refusing to authenticate (530)', refusedLogin],
])('pauses a run after pauseAfterFailures failures in a row at %s, and delivers every message once when started again', async (_name, serverFault) => {
  const { pauseAfterFailures } = app.strapi.config.get('plugin::message-runs') as { pauseAfterFailures: number };
  const size = 200;
  const fault = serverFault();
  const { runDocumentId, subjects } = await seedRun(app.strapi, size);
  await fault.begin();
  try {
    await queue().tick();

    const paused = await getRun(runDocumentId);
    expect(paused).toMatchObject({ status: 'stopped', stopReason: 'paused-after-failures' });
    expect(paused.lastError).toMatch(fault.lastError);
    // None failed: what was tried goes back to the queue, its attempt not counted, with what was never tried.
    expect(paused.counts).toMatchObject({ failed: 0, sending: 0, sent: 0 });
    expect(paused.counts.queued).toBeGreaterThanOrEqual(size - pauseAfterFailures);
    expect(paused.counts.queued).toBe(size);
    const results = await admin.allResults(runDocumentId);
    expect(results.filter((result) => result.attempts !== 0)).toEqual([]);

    const sink = await fault.end();
    sink.received.length = 0;
    expect((await admin.start(runDocumentId)).status).toBe(200);
    await tickUntilIdle();

    const { duplicated, lost } = deliveriesOf(sink.received, subjects);
    expect({ received: sink.received.length, duplicated, lost }).toEqual({ received: size, duplicated: [], lost: [] });
    expect(await getRun(runDocumentId)).toMatchObject({ status: 'completed', counts: { sent: size } });
  } finally {
    await fault.cleanUp();
    await admin.stop(runDocumentId);
  }
});

// Last: the throttling slows this instance's pace for the tests after it.
it('retries messages a server throttles (454) soon, attempts not counted, slows the pace, and fails none', async () => {
  const size = 15;
  const { runDocumentId, subjects } = await seedRun(app.strapi, size);
  // Every third message the server takes is refused as too fast.
  const throttled: { subject: string; at: number }[] = [];
  let taken = 0;
  smtp.answerMessages((mail) => {
    if (++taken % 3) return undefined;
    throttled.push({ subject: mail.subject!, at: Date.now() });
    return { code: 454, message: '4.7.0 Throttling failure: Maximum sending rate exceeded' };
  });

  let waitingSeen = 0;
  for (;;) {
    await tickUntilIdle();
    if ((await getRun(runDocumentId)).status !== 'running') break;
    // What is left waits to retry after a throttle: soon, its attempt not counted.
    const waiting = (await delivery.resultsOf(runDocumentId)).filter((result) => result.status === 'retrying');
    expect(waiting.map((result) => [result.reason, result.attempts])).toEqual(waiting.map(() => ['smtp-throttled', 0]));
    expect(waiting.length).toBeGreaterThan(0);
    waitingSeen += waiting.length;
    const due = Math.min(...waiting.map((result) => new Date(result.nextAttemptAt).getTime()));
    expect(due - Date.now()).toBeLessThanOrEqual(THROTTLE_RETRY_SECONDS * 1000);
    await sleep(due - Date.now());
  }

  expect(throttled.length).toBeGreaterThanOrEqual(size / 3);
  expect(waitingSeen).toBeGreaterThan(0);
  const { duplicated, lost } = deliveriesOf(smtp.received, subjects);
  expect({ received: smtp.received.length, duplicated, lost }).toEqual({ received: size, duplicated: [], lost: [] });
  // Each throttled message went again after throttleRetrySeconds, not on the retry schedule (a minute).
  for (const { subject, at } of throttled) {
    const accepted = smtp.received.find((mail) => mail.parsed.subject === subject)!;
    expect(accepted.receivedAt - at).toBeGreaterThanOrEqual(THROTTLE_RETRY_SECONDS * 1000 - 50);
    expect(accepted.receivedAt - at).toBeLessThan(30_000);
  }
  expect(await getRun(runDocumentId)).toMatchObject({ status: 'completed', stopReason: null, counts: { sent: size, failed: 0 } });
  const results = await admin.allResults(runDocumentId);
  expect(results.map((result) => [result.status, result.attempts])).toEqual(results.map(() => ['sent', 1]));

  const settings = await app.http().get('/message-runs/settings').set('Authorization', `Bearer ${token}`);
  expect(settings.status).toBe(200);
  const { pace } = settings.body.data;
  expect(pace.lastThrottledAt).not.toBeNull();
  expect(pace.instances).toContainEqual(
    expect.objectContaining({
      instance: queue().workerId,
      perSecond: expect.any(Number),
      lastThrottledAt: expect.any(String),
      lastThrottle: expect.stringMatching(/454/),
    })
  );
});
