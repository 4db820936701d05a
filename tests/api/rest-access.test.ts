import { startStrapi, type TestApp } from '../helpers/strapi';
import { createApiToken } from '../helpers/auth';

let app: TestApp;
beforeAll(async () => {
  app = await startStrapi();
});
afterAll(() => app?.stop());

const PLURALS = [
  'customer-clusters',
  'customers',
  'invoices',
  'invoice-transformations',
  'transformation-results',
  'message-senders',
  'message-definitions',
];

describe('REST access to the domain content types', () => {
  it.each(PLURALS)('GET /api/%s answers 401 without a token', async (plural) => {
    const res = await app.http().get(`/api/${plural}`);
    expect(res.status).toBe(401);
  });

  it.each(PLURALS)('GET /api/%s answers 200 with a read-only token', async (plural) => {
    const token = await createApiToken(app.strapi, 'read-only');
    const res = await app.http().get(`/api/${plural}`).set('Authorization', `Bearer ${token}`);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ data: [], meta: { pagination: expect.objectContaining({ total: 0 }) } });
  });

  it('refuses writes with a read-only token', async () => {
    const token = await createApiToken(app.strapi, 'read-only');
    const res = await app
      .http()
      .post('/api/message-senders')
      .set('Authorization', `Bearer ${token}`)
      .send({ data: { key: 'billing', email: 'billing@example.com' } });
    expect(res.status).toBe(403);
  });
});

describe('the favicon', () => {
  it('GET /favicon.ico answers the app’s icon (favicon.png): a browser asks for it on every page', async () => {
    const res = await app.http().get('/favicon.ico');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^image\//);
    expect(Buffer.from(res.body).subarray(1, 4).toString()).toBe('PNG');
  });
});
