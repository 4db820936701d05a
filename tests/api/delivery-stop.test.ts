import type { TestApp } from '../helpers/strapi';
import { startStrapiWithSink, type SmtpSink } from '../helpers/smtp';
import { seedRun } from '../helpers/bulk-run';
import { createApiToken } from '../helpers/auth';
import { runsApi, RESULT_UID, RUN_UID, type RunsApi } from '../helpers/runs';

/**
 * Stop pauses at once: only the messages already in their SMTP transaction finish; everything else the
 * workers had claimed is queued again by Stop itself. A stopped run with messages still being sent
 * cannot be deleted.
 */
let app: TestApp;
let smtp: SmtpSink;
let stop: () => Promise<void>;
let api: RunsApi;

const MAX_CONNECTIONS = 5;

beforeAll(async () => {
  ({ app, smtp, stop } = await startStrapiWithSink({ SMTP_MAX_CONNECTIONS: String(MAX_CONNECTIONS) }));
  api = runsApi(app, await createApiToken(app.strapi));
});
afterAll(() => stop?.());

const queue = () => app.strapi.plugin('message-runs').service('queue');
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function waitUntil(condition: () => boolean, what: string) {
  for (const deadline = Date.now() + 30_000; !condition(); await sleep(10)) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
  }
}

async function resultsOf(runDocumentId: string) {
  const run = await app.strapi.db.query(RUN_UID).findOne({ where: { documentId: runDocumentId } });
  return app.strapi.db.query(RESULT_UID).findMany({ where: { runId: run.id }, orderBy: { id: 'asc' } }) as Promise<any[]>;
}

const subjectsReceived = () => smtp.received.map((mail) => mail.parsed.subject!);

it('Stop lets only the messages in their SMTP transaction finish, queues the rest at once, and Start sends those once', async () => {
  // A first run at full speed: the worker has measured its rate, so it claims far more than it has
  // connections (as on a long run), and Stop finds claimed messages that were never handed over.
  const warmUp = await seedRun(app.strapi, 10);
  while ((await queue().tick()).claimed) {}
  expect((await api.get(warmUp.runDocumentId)).body.data.status).toBe('completed');
  smtp.received.length = 0;
  // The server then goes quiet: past this, the worker hands over no message ahead of a free
  // connection (queue.ts, PROMPT_START_MS), so what Stop lets finish is exactly what is at the server.
  await sleep(200);

  const { runDocumentId, subjects } = await seedRun(app.strapi, 30);
  smtp.slowDown(1500);
  const tick = queue().tick();
  await waitUntil(() => smtp.inTransaction() === MAX_CONNECTIONS, 'every connection to be in a transaction');

  const stopped = await api.stop(runDocumentId);
  expect(stopped.status).toBe(200);
  expect(stopped.body.data.status).toBe('stopped');
  // What Stop answers is the real state: only the messages at the server are still being sent.
  expect(stopped.body.data.counts).toMatchObject({ total: 30, sending: MAX_CONNECTIONS, queued: 30 - MAX_CONNECTIONS });
  const sendingAtStop = (await resultsOf(runDocumentId)).filter((result) => result.status === 'sending');
  expect(sendingAtStop.every((result) => result.handedAt)).toBe(true);

  // Their record must outlive them: no delete while they are being sent.
  const refused = await api.delete(runDocumentId);
  expect(refused.status).toBe(409);
  expect(refused.body.error).toMatchObject({ name: 'ConflictError', message: expect.stringMatching(/being sent/) });
  expect((await resultsOf(runDocumentId)).length).toBe(30);

  await tick;
  smtp.slowDown(0);
  const settled = await resultsOf(runDocumentId);
  expect(settled.filter((result) => result.status === 'sent').map((result) => result.id)).toEqual(
    sendingAtStop.map((result) => result.id)
  );
  expect(settled.filter((result) => result.status === 'queued')).toHaveLength(30 - MAX_CONNECTIONS);
  // A message queued again by Stop never took an attempt.
  expect(settled.filter((result) => result.status === 'queued').every((result) => result.attempts === 0)).toBe(true);
  expect(smtp.received).toHaveLength(MAX_CONNECTIONS);

  expect((await api.start(runDocumentId)).status).toBe(200);
  while ((await queue().tick()).claimed) {}
  expect((await api.get(runDocumentId)).body.data).toMatchObject({ status: 'completed', counts: { sent: 30 } });
  expect(subjectsReceived().sort()).toEqual([...subjects].sort());
});

it('deletes a stopped run once none of its messages is being sent', async () => {
  const { runDocumentId } = await seedRun(app.strapi, 3);
  expect((await api.stop(runDocumentId)).status).toBe(200);
  const [first] = await resultsOf(runDocumentId);
  // As a worker that claimed it before Stop and is still at the server would leave it.
  await app.strapi.db.query(RESULT_UID).update({ where: { id: first.id }, data: { status: 'sending', lockedBy: 'elsewhere', handedAt: new Date() } });
  expect((await api.delete(runDocumentId)).status).toBe(409);
  expect(await resultsOf(runDocumentId)).toHaveLength(3);

  await app.strapi.db.query(RESULT_UID).update({ where: { id: first.id }, data: { status: 'sent' } });
  const deleted = await api.delete(runDocumentId);
  expect(deleted.status).toBe(200);
  expect(await app.strapi.db.query(RESULT_UID).count({ where: { runId: first.runId } })).toBe(0);
});
