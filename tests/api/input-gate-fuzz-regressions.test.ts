import { startStrapi, type TestApp } from '../helpers/strapi';
import { createApiToken, loginSuperAdmin } from '../helpers/auth';
import { unique, UIDS } from '../helpers/fixtures';
import { runsApi, runWorld, type RunWorld } from '../helpers/runs';

/**
 * What the fuzz suite found answering 500: prototype keys in a body (yup looked them up on a plain
 * object), and bad values reaching the database or Strapi's query parsing (a relation that is no id,
 * an object where an id belongs, an operator object or a word where a filter wants a number or a
 * date). Each is a 400 naming what it can, and nothing is written.
 */

let app: TestApp;
let world: RunWorld;
let apiToken: string;
let adminToken: string;
let runId: string;
let criteria: Record<string, unknown>;

beforeAll(async () => {
  app = await startStrapi();
  world = runWorld(app.strapi);
  apiToken = await createApiToken(app.strapi, 'full-access');
  adminToken = await loginSuperAdmin(app);
  const definition = await world.definition();
  const cluster = await world.make.cluster();
  await world.customerWithInvoice({ cluster, definition });
  criteria = world.criteria(definition, cluster);
  runId = (await runsApi(app, apiToken).createRun(criteria)).documentId;
});
afterAll(() => app?.stop());

const ANSWER_WITHIN_MS = 15_000;
const asAdmin = (req: any) => req.set('Authorization', `Bearer ${adminToken}`).timeout(ANSWER_WITHIN_MS);
const asApi = (req: any) => req.set('Authorization', `Bearer ${apiToken}`).timeout(ANSWER_WITHIN_MS);

const expectRefusal = (res: { status: number; body: any }, field?: string) => {
  expect({ status: res.status, name: res.body?.error?.name }).toEqual({ status: 400, name: 'ValidationError' });
  if (field) expect(res.body.error.message).toContain(field);
};

/** How many rows each domain and plugin table holds: a refused request must leave them all as they were. */
const counts = async () =>
  Object.fromEntries(
    await Promise.all(
      [...Object.values(UIDS), 'plugin::message-runs.message-run', 'plugin::message-runs.message-result'].map(
        async (uid) => [uid, await app.strapi.db.query(uid as any).count()]
      )
    )
  );

describe('prototype keys', () => {
  const sendJson = (req: any, json: string) => req.set('Content-Type', 'application/json').send(json);

  it.each(['constructor', '__proto__', 'prototype'])('refuses an own key %s anywhere in a body', async (key) => {
    const before = await counts();
    const own = (object: Record<string, unknown>) => JSON.stringify(object).replace(/^\{/, `{"${key}":"x",`);
    const requests = [
      [asApi(app.http().post('/api/customer-clusters')), `{"data":${own({ name: unique('proto') })}}`, `data.${key}`],
      [
        asApi(app.http().post('/api/message-senders')),
        `{"data":${own({ key: unique('proto'), email: 'a@example.com' })}}`,
        `data.${key}`,
      ],
      [asApi(app.http().post('/api/message-runs/runs')), own(criteria), key],
      [asApi(app.http().post('/api/message-runs/runs/preview')), own(criteria), key],
      [asApi(app.http().post(`/api/message-runs/runs/${runId}/results/remove`)), own({ ids: [] }), key],
      [asAdmin(app.http().post('/message-runs/settings/test-email')), own({ to: 'ops@example.com' }), key],
    ] as const;
    for (const [request, json, field] of requests) {
      const res = await sendJson(request, json);
      // koa-body's JSON parser itself refuses `__proto__` (400, before the gate); the gate names the others.
      if (key === '__proto__') expect(res.status).toBe(400);
      else expectRefusal(res, `${field} is not a field`);
    }
    expect(await counts()).toEqual(before);
  });
});

describe('bad values for the database', () => {
  const cm = (uid: string, id = '') => `/content-manager/collection-types/${uid}${id && `/${id}`}`;

  it('Content Manager create refuses a relation that is no document id', async () => {
    const before = await counts();
    const res = await asAdmin(app.http().post(cm(UIDS.definition))).send({
      name: unique('def'),
      invoiceTransformations: '2026-02-31',
    });
    // SQLite finds no such relation; PostgreSQL refuses the value as an id (22P02) and aborts the transaction.
    expectRefusal(res);
    expect(await counts()).toEqual(before);
  });

  it('Content Manager update refuses a relation that is no document id', async () => {
    const cluster = await world.make.cluster();
    const before = await counts();
    const res = await asAdmin(app.http().put(cm(UIDS.cluster, cluster.documentId))).send({
      name: cluster.name,
      parent: false,
      documentId: 'x'.repeat(300),
    });
    expectRefusal(res);
    expect(await counts()).toEqual(before);
  });

  it('Content Manager create refuses an object as id', async () => {
    const before = await counts();
    const res = await asAdmin(app.http().post(cm(UIDS.sender))).send({
      id: { a: 1 },
      key: unique('sender'),
      email: 'billing@example.com',
    });
    expectRefusal(res, 'Invalid value');
    expect(await counts()).toEqual(before);
  });

  it.each([
    '/api/customer-clusters?filters[$or][0][id][$eq][$ne]=x',
    '/api/customer-clusters?filters[id][$eq]=abc',
    '/api/invoices?filters[amount][$eq]=abc',
    '/api/invoices?filters[periodStart][$gt]=0000-01-01',
    '/api/invoices?filters[periodStart][$eq]=abc',
    '/api/invoices?filters[createdAt][$lt]=abc',
  ])('REST refuses %s', async (url) => {
    const res = await asApi(app.http().get(url));
    // SQLite compares a word with an id or a date without complaint: a list is an answer too.
    if (res.status !== 200) expectRefusal(res);
  });

  it.each(Object.values(UIDS))('Content Manager list of %s refuses _q[$ne]=x', async (uid) => {
    expectRefusal(await asAdmin(app.http().get(`${cm(uid)}?_q[$ne]=x`)), '_q must be a string');
  });

  it('still answers valid filters', async () => {
    const res = await asApi(
      app.http().get('/api/invoices?filters[amount][$gt]=0&filters[periodStart][$gt]=2000-01-01')
    );
    expect(res.status).toBe(200);
  });
});
