import net from 'net';
import request from 'supertest';
import { startStrapi, type TestApp } from '../helpers/strapi';
import { createApiToken, loginSuperAdmin } from '../helpers/auth';
import { httpInstances } from '../helpers/http-instances';
import type { Doc } from '../helpers/fixtures';
import { runsApi, runWorld, type Definition, type RunsApi, type RunWorld } from '../helpers/runs';

/**
 * The Idempotency-Key header (DESIGN.md §3, "Retrying safely"): a repeat gets the first answer and acts
 * not again, on the content API and the admin routes; another request under the same key is 422; requests
 * at once act once; each actor has its own keys; bad keys are 400; 4xx answers are replayed, not 5xx; a
 * key acts again once 24 hours old, or once its first request was abandoned. PostgreSQL: also across two
 * instances sharing the database (SQLite is single-instance by design).
 */

const KEYS_TABLE = 'message_idempotency_keys';
const REPLAYED = 'idempotent-replayed';

let app: TestApp;
let world: RunWorld;
let token: string;
let api: RunsApi;
let definition: Definition;
let cluster: Doc;
let sequence = 0;
const instances = httpInstances();

beforeAll(async () => {
  app = await startStrapi();
  world = runWorld(app.strapi);
  token = await createApiToken(app.strapi);
  api = runsApi(app, token);
  definition = await world.definition();
  cluster = await world.make.cluster();
  await world.customerWithInvoice({ cluster, definition });
  await world.customerWithInvoice({ cluster, definition });
});
afterAll(async () => {
  instances.kill();
  await app?.stop();
});

const newKey = () => `key-${++sequence}-${Math.random().toString(36).slice(2)}`;
const criteria = (overrides: Record<string, unknown> = {}) => world.criteria(definition, cluster, overrides);
const runCount = async () => (await api.list()).body.meta.pagination.total as number;
const eventTypes = async (runId: string) => ((await api.runEvents(runId)).body.data as { type: string }[]).map((event) => event.type);
const knex = () => app.strapi.db.connection;
/** Sets when a key was first sent (and what is left of it), as if time had passed. */
const ageKey = (key: string, ms: number, changes: Record<string, unknown> = {}) =>
  knex()(KEYS_TABLE)
    .where({ idempotency_key: key })
    .update({ ...changes, created_at: knex().raw('CAST(? AS TIMESTAMP)', [new Date(Date.now() - ms)]) });

/** The answer as a client sees it: status and body, and whether it was a replay. */
const answer = (res: request.Response) => ({ status: res.status, body: res.body, replayed: res.headers[REPLAYED] === 'true' });

describe('a repeat with the same key', () => {
  it('POST /runs: the repeat gets the first 201 and body, marked as a replay, and one run exists', async () => {
    const key = newKey();
    const before = await runCount();
    const first = answer(await api.create(criteria()).set('Idempotency-Key', key));
    expect(first).toMatchObject({ status: 201, replayed: false });
    const repeat = answer(await api.create(criteria()).set('Idempotency-Key', key));
    expect(repeat).toEqual({ ...first, replayed: true });
    expect(await runCount()).toBe(before + 1);
  });

  it('the body is compared canonically: the same fields in another order are the same request', async () => {
    const key = newKey();
    const body = criteria();
    const first = await api.create(body).set('Idempotency-Key', key);
    const reordered = Object.fromEntries(Object.entries(body).reverse()) as typeof body;
    const repeat = await api.create(reordered).set('Idempotency-Key', key);
    expect(answer(repeat)).toEqual({ ...answer(first), replayed: true });
  });

  it('start and stop: a repeat does not act again (one started, one stopped in the history)', async () => {
    const run = await api.createRun(criteria());
    const [startKey, stopKey] = [newKey(), newKey()];
    const started = answer(await api.start(run.documentId).set('Idempotency-Key', startKey));
    expect(started).toMatchObject({ status: 200, replayed: false, body: { data: { status: 'running' } } });
    const stopped = answer(await api.stop(run.documentId).set('Idempotency-Key', stopKey));
    expect(stopped).toMatchObject({ status: 200, body: { data: { status: 'stopped' } } });
    // Without the key a second start would start the stopped run again.
    expect(answer(await api.start(run.documentId).set('Idempotency-Key', startKey))).toEqual({ ...started, replayed: true });
    expect(answer(await api.stop(run.documentId).set('Idempotency-Key', stopKey))).toEqual({ ...stopped, replayed: true });
    expect((await api.get(run.documentId)).body.data.status).toBe('stopped');
    const types = await eventTypes(run.documentId);
    expect(types.filter((type) => type === 'started')).toHaveLength(1);
    expect(types.filter((type) => type === 'stopped')).toHaveLength(1);
  });

  it('results/remove and results/resend: the repeat replays the counts of the first', async () => {
    const run = await api.createRun(criteria());
    const [first, second] = await api.allResults(run.documentId);
    const removeKey = newKey();
    const removed = answer(await api.remove(run.documentId, { ids: [first.documentId] }).set('Idempotency-Key', removeKey));
    expect(removed).toMatchObject({ status: 200, body: { data: { removed: 1 } } });
    expect(answer(await api.remove(run.documentId, { ids: [first.documentId] }).set('Idempotency-Key', removeKey))).toEqual({
      ...removed,
      replayed: true,
    });
    // A new key is a new request: the result is gone.
    const again = await api.remove(run.documentId, { ids: [first.documentId] }).set('Idempotency-Key', newKey());
    expect(again.status).toBe(400);
    expect(again.body.error.message).toContain('unknown results');

    const resendKey = newKey();
    const resent = answer(await api.resend(run.documentId, { ids: [second.documentId] }).set('Idempotency-Key', resendKey));
    expect(resent.status).toBe(200);
    expect(answer(await api.resend(run.documentId, { ids: [second.documentId] }).set('Idempotency-Key', resendKey))).toEqual({
      ...resent,
      replayed: true,
    });
  });

  it('on the admin routes too, scoped to the admin', async () => {
    const admin = runsApi(app, await loginSuperAdmin(app), { admin: true });
    const run = await admin.createRun(criteria());
    const key = newKey();
    const first = answer(await admin.start(run.documentId).set('Idempotency-Key', key));
    expect(first).toMatchObject({ status: 200, replayed: false });
    expect(answer(await admin.start(run.documentId).set('Idempotency-Key', key))).toEqual({ ...first, replayed: true });
    expect((await eventTypes(run.documentId)).filter((type) => type === 'started')).toHaveLength(1);
  });

  it('replays 4xx answers: a 400 of validation, a 404, a 409 of a transition', async () => {
    const invalid = newKey();
    const bad = answer(await api.create(criteria({ periodStart: 'yesterday' })).set('Idempotency-Key', invalid));
    expect(bad).toMatchObject({ status: 400, body: { data: null, error: { name: 'ValidationError' } } });
    expect(answer(await api.create(criteria({ periodStart: 'yesterday' })).set('Idempotency-Key', invalid))).toEqual({ ...bad, replayed: true });

    const unknown = newKey();
    const missing = answer(await api.start('z0000000000000000000000a').set('Idempotency-Key', unknown));
    expect(missing.status).toBe(404);
    expect(answer(await api.start('z0000000000000000000000a').set('Idempotency-Key', unknown))).toEqual({ ...missing, replayed: true });

    // Stopping a created run is refused (409); once it is running, the same key still gets that 409.
    const run = await api.createRun(criteria());
    const conflictKey = newKey();
    const refused = answer(await api.stop(run.documentId).set('Idempotency-Key', conflictKey));
    expect(refused).toMatchObject({ status: 409, body: { error: { name: 'ConflictError' } } });
    expect((await api.start(run.documentId)).status).toBe(200);
    expect(answer(await api.stop(run.documentId).set('Idempotency-Key', conflictKey))).toEqual({ ...refused, replayed: true });
    expect((await api.get(run.documentId)).body.data.status).toBe('running');
  });

  it('does not store a 5xx: the key is given up, and a retry acts', async () => {
    const run = await api.createRun(criteria());
    const key = newKey();
    // The run's audit trail cannot be written: the start fails with a server error and is rolled back.
    await knex().schema.renameTable('message_events', 'message_events_away');
    let failed: request.Response | undefined;
    try {
      failed = await api.start(run.documentId).set('Idempotency-Key', key);
    } finally {
      await knex().schema.renameTable('message_events_away', 'message_events');
    }
    expect(failed?.status).toBe(500);
    expect(Number((await knex()(KEYS_TABLE).where({ idempotency_key: key }).count({ n: '*' }))[0].n)).toBe(0);
    const retry = answer(await api.start(run.documentId).set('Idempotency-Key', key));
    expect(retry).toMatchObject({ status: 200, replayed: false, body: { data: { status: 'running' } } });
  });

  it('without the header nothing changes: each request acts', async () => {
    const before = await runCount();
    const res = await api.create(criteria());
    expect(res.status).toBe(201);
    expect(res.headers[REPLAYED]).toBeUndefined();
    expect((await api.create(criteria())).status).toBe(201);
    expect(await runCount()).toBe(before + 2);
  });
});

describe('the same key with another request', () => {
  it('another body is 422 naming the key, and acts not', async () => {
    const key = newKey();
    expect((await api.create(criteria()).set('Idempotency-Key', key)).status).toBe(201);
    const before = await runCount();
    const res = await api.create(criteria({ bcc: ['audit@example.com'] })).set('Idempotency-Key', key);
    expect(res.status).toBe(422);
    expect(res.body.error).toMatchObject({ status: 422, name: 'UnprocessableEntityError', details: { idempotencyKey: key } });
    expect(res.body.error.message).toContain(key);
    expect(await runCount()).toBe(before);
  });

  it('another path (another run) is 422', async () => {
    const [a, b] = [await api.createRun(criteria()), await api.createRun(criteria())];
    const key = newKey();
    expect((await api.start(a.documentId).set('Idempotency-Key', key)).status).toBe(200);
    expect((await api.start(b.documentId).set('Idempotency-Key', key)).status).toBe(422);
    expect((await api.get(b.documentId)).body.data.status).toBe('created');
  });
});

it('requests at once with one key act once: the others replay the answer or are told 409', async () => {
  const key = newKey();
  const before = await runCount();
  const answers = (await Promise.all([1, 2, 3, 4].map(() => api.create(criteria()).set('Idempotency-Key', key)))).map(answer);
  expect(await runCount()).toBe(before + 1);
  const acted = answers.filter((a) => a.status === 201 && !a.replayed);
  expect(acted).toHaveLength(1);
  for (const other of answers.filter((a) => a !== acted[0])) {
    if (other.status === 409) expect(other.body.error.details).toEqual({ idempotencyKey: key });
    else expect(other).toEqual({ ...acted[0], replayed: true });
  }
});

it("each actor has its own keys: two tokens with one key act each, neither sees the other's answer", async () => {
  const other = runsApi(app, await createApiToken(app.strapi));
  const key = newKey();
  const before = await runCount();
  const mine = answer(await api.create(criteria()).set('Idempotency-Key', key));
  const theirs = answer(await other.create(criteria({ bcc: ['other@example.com'] })).set('Idempotency-Key', key));
  expect([mine.status, mine.replayed, theirs.status, theirs.replayed]).toEqual([201, false, 201, false]);
  expect(theirs.body.data.documentId).not.toBe(mine.body.data.documentId);
  expect(await runCount()).toBe(before + 2);
});

it.each([
  ['empty', ''],
  ['longer than 255 characters', 'k'.repeat(256)],
  ['with a control character (tab)', 'a\tb'],
])('a key %s is 400, and nothing is done', async (_case, key) => {
  const before = await runCount();
  const res = await api.create(criteria()).set('Idempotency-Key', key);
  expect(res.status).toBe(400);
  expect(res.body.error.message).toMatch(/Idempotency-Key/);
  expect(await runCount()).toBe(before);
});

it('a key with a NUL byte is refused with 400 before it reaches Strapi (by Node), and nothing is done', async () => {
  const server = app.strapi.server.httpServer;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const before = await runCount();
    const body = JSON.stringify(criteria());
    const raw = await new Promise<string>((resolve, reject) => {
      const socket = net.connect((server.address() as net.AddressInfo).port, '127.0.0.1');
      let answer = '';
      socket.on('data', (chunk) => (answer += chunk));
      socket.on('end', () => resolve(answer));
      socket.on('error', reject);
      socket.write(
        `POST /api/message-runs/runs HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer ${token}\r\n` +
          `Idempotency-Key: a\0b\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`
      );
    });
    expect(raw).toMatch(/^HTTP\/1\.1 400/);
    expect(await runCount()).toBe(before);
  } finally {
    await new Promise((resolve) => server.close(resolve));
  }
});

it('a key of 255 characters is fine', async () => {
  const key = 'k'.repeat(254) + String(++sequence % 10);
  expect((await api.create(criteria()).set('Idempotency-Key', key)).status).toBe(201);
  expect((await api.create(criteria()).set('Idempotency-Key', key)).headers[REPLAYED]).toBe('true');
});

it('a key first sent more than 24 hours ago acts again, and the purge deletes such keys', async () => {
  const key = newKey();
  const before = await runCount();
  const first = await api.create(criteria()).set('Idempotency-Key', key);
  await ageKey(key, 24 * 3600 * 1000 + 1000);
  const again = await api.create(criteria({ bcc: ['new@example.com'] })).set('Idempotency-Key', key);
  expect(again.status).toBe(201);
  expect(again.headers[REPLAYED]).toBeUndefined();
  expect(again.body.data.documentId).not.toBe(first.body.data.documentId);
  expect(await runCount()).toBe(before + 2);

  const fresh = newKey();
  await api.create(criteria()).set('Idempotency-Key', fresh);
  await ageKey(key, 24 * 3600 * 1000 + 1000);
  expect(await app.strapi.plugin('message-runs').service('idempotency').purge()).toBeGreaterThanOrEqual(1);
  const left = (await knex()(KEYS_TABLE).whereIn('idempotency_key', [key, fresh]).select('idempotency_key')).map((row) => row.idempotency_key);
  expect(left).toEqual([fresh]);
});

describe('a key whose first request has no answer yet', () => {
  it('is 409 after a few seconds of waiting while that request may still be under way', async () => {
    const run = await api.createRun(criteria());
    const key = newKey();
    await api.start(run.documentId).set('Idempotency-Key', key);
    await ageKey(key, 0, { response_status: null, response_body: null, holder: 'a request under way' });
    const started = Date.now();
    const res = await api.start(run.documentId).set('Idempotency-Key', key);
    expect(res.status).toBe(409);
    expect(res.body.error.details).toEqual({ idempotencyKey: key });
    expect(Date.now() - started).toBeGreaterThanOrEqual(4000);
  });

  it('is taken over by a repeat after 5 minutes (its instance died), and the repeat acts', async () => {
    const run = await api.createRun(criteria());
    const key = newKey();
    await api.start(run.documentId).set('Idempotency-Key', key);
    await api.stop(run.documentId);
    await ageKey(key, 5 * 60 * 1000 + 1000, { response_status: null, response_body: null, holder: 'a dead instance' });
    const res = await api.start(run.documentId).set('Idempotency-Key', key);
    expect(answer(res)).toMatchObject({ status: 200, replayed: false, body: { data: { status: 'running' } } });
    // Its answer is stored for the next repeat.
    expect((await api.start(run.documentId).set('Idempotency-Key', key)).headers[REPLAYED]).toBe('true');
  });
});

(process.env.TEST_DATABASE === 'postgres' ? describe : describe.skip)('two instances sharing PostgreSQL', () => {
  let other: ReturnType<typeof request>;
  beforeAll(async () => {
    other = request(await instances.start());
  });
  const createOn = (agent: ReturnType<typeof request>, key: string) =>
    agent.post('/api/message-runs/runs').set('Authorization', `Bearer ${token}`).set('Idempotency-Key', key).send(criteria());

  it('the other instance replays the first answer', async () => {
    const key = newKey();
    const before = await runCount();
    const first = answer(await createOn(app.http(), key));
    expect(first.status).toBe(201);
    expect(answer(await createOn(other, key))).toEqual({ ...first, replayed: true });
    expect(await runCount()).toBe(before + 1);
  });

  it('requests at once on both instances act once', async () => {
    const key = newKey();
    const before = await runCount();
    const answers = (await Promise.all([app.http(), other, app.http(), other].map((agent) => createOn(agent, key)))).map(answer);
    expect(await runCount()).toBe(before + 1);
    expect(answers.filter((a) => a.status === 201 && !a.replayed)).toHaveLength(1);
    for (const a of answers) expect([201, 409]).toContain(a.status);
  });
});
