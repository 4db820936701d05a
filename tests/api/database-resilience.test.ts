import { startStrapi, type TestApp } from '../helpers/strapi';

let app: TestApp;
beforeAll(async () => {
  app = await startStrapi();
});
afterAll(() => app?.stop());

describe('a new database connection that fails while Strapi prepares it', () => {
  it('does not reject (Strapi 5.54 leaves that rejection unhandled, which ends the process); the app goes on querying', async () => {
    const client = (app.strapi.db.connection as any).client;
    // A connection the server has dropped: prepared now, it fails (`SET search_path` / `PRAGMA`).
    const dropped = await client.acquireRawConnection();
    await client.destroyRawConnection(dropped);

    await expect(app.strapi.db.dialect.initialize(dropped)).resolves.toBeUndefined();
    expect(await app.strapi.db.query('plugin::message-runs.message-run').count()).toBe(0);
  });
});
