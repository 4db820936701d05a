import { startStrapi, type TestApp } from '../helpers/strapi';
import { createApiToken, loginSuperAdmin } from '../helpers/auth';
import { fixtures, UIDS } from '../helpers/fixtures';
import { seedRun } from '../helpers/bulk-run';

/**
 * Guards around the domain's data: what a definition uses cannot be deleted (or, for a sender, re-keyed)
 * from under it; an inline attachment's type and name are safe in a mail header; a refusal listing
 * thousands of ids stays small; an export that fails half-way ends instead of hanging.
 */

let app: TestApp;
let make: ReturnType<typeof fixtures>;
let apiToken: string;
let adminToken: string;

beforeAll(async () => {
  app = await startStrapi();
  make = fixtures(app.strapi);
  apiToken = await createApiToken(app.strapi, 'full-access');
  adminToken = await loginSuperAdmin(app);
});
afterAll(() => app?.stop());

const PLURALS = { sender: 'message-senders', transformation: 'invoice-transformations' } as const;
type Guarded = keyof typeof PLURALS;

const CHANNELS = [
  {
    channel: 'REST',
    delete: (type: Guarded, documentId: string) =>
      app.http().delete(`/api/${PLURALS[type]}/${documentId}`).set('Authorization', `Bearer ${apiToken}`),
    update: (type: Guarded, documentId: string, data: Record<string, unknown>) =>
      app.http().put(`/api/${PLURALS[type]}/${documentId}`).set('Authorization', `Bearer ${apiToken}`).send({ data }),
  },
  {
    channel: 'Content Manager',
    delete: (type: Guarded, documentId: string) =>
      app
        .http()
        .delete(`/content-manager/collection-types/${UIDS[type]}/${documentId}`)
        .set('Authorization', `Bearer ${adminToken}`),
    update: (type: Guarded, documentId: string, data: Record<string, unknown>) =>
      app
        .http()
        .put(`/content-manager/collection-types/${UIDS[type]}/${documentId}`)
        .set('Authorization', `Bearer ${adminToken}`)
        .send(data),
  },
];

const exists = async (type: Guarded, documentId: string) =>
  (await app.strapi.db.query(UIDS[type]).count({ where: { documentId } })) === 1;

const expectConflict = (res: { status: number; body: any }, ...names: string[]) => {
  expect({ status: res.status, name: res.body?.error?.name }).toEqual({ status: 409, name: 'ConflictError' });
  expect(res.body.data).toBeNull();
  for (const name of names) expect(res.body.error.message).toContain(name);
};

describe.each(CHANNELS)('through the $channel', (channel) => {
  it('refuses to delete a sender that a definition sends from, naming the definitions; deletes an unused one', async () => {
    const sender = await make.sender();
    const first = await make.definition({ fromKey: sender.key });
    const second = await make.definition({ fromKey: sender.key });
    expectConflict(await channel.delete('sender', sender.documentId), first.name, second.name);
    expect(await exists('sender', sender.documentId)).toBe(true);

    const unused = await make.sender();
    expect((await channel.delete('sender', unused.documentId)).status).toBeLessThan(300);
    expect(await exists('sender', unused.documentId)).toBe(false);
  });

  it('refuses to change the key of a sender in use; changes that of an unused one', async () => {
    const sender = await make.sender();
    const definition = await make.definition({ fromKey: sender.key });
    expectConflict(await channel.update('sender', sender.documentId, { key: `${sender.key}-new` }), definition.name);
    expect((await app.strapi.db.query(UIDS.sender).findOne({ where: { documentId: sender.documentId } })).key).toBe(
      sender.key
    );
    // Other fields of a sender in use may change.
    expect(
      (await channel.update('sender', sender.documentId, { key: sender.key, displayName: 'Renamed' })).status
    ).toBe(200);

    const unused = await make.sender();
    expect((await channel.update('sender', unused.documentId, { key: `${unused.key}-new` })).status).toBe(200);
  });

  it('refuses to delete a transformation that a definition attaches, naming it; deletes an unused one', async () => {
    const transformation = await make.transformation();
    const definition = await make.definition({ invoiceTransformations: [transformation.documentId] });
    expectConflict(await channel.delete('transformation', transformation.documentId), definition.name);
    expect(await exists('transformation', transformation.documentId)).toBe(true);

    const unused = await make.transformation();
    expect((await channel.delete('transformation', unused.documentId)).status).toBeLessThan(300);
    expect(await exists('transformation', unused.documentId)).toBe(false);
  });
});

describe('inline transformation results', () => {
  const write = async (overrides: Record<string, unknown>) => {
    const invoice = await make.invoice();
    const transformation = await make.transformation();
    const data = {
      invoice: invoice.documentId,
      transformation: transformation.documentId,
      content: '<p>Invoice</p>',
      fileName: 'invoice.html',
      mimeType: 'text/html',
      ...overrides,
    };
    return app.http().post('/api/transformation-results').set('Authorization', `Bearer ${apiToken}`).send({ data });
  };

  it.each(['text/html"; x="y', 'text/html\r\nBcc: x@example.com', 'text', 'text/html; charset=utf-8', 'text/ html'])(
    'refuses mimeType %j',
    async (mimeType) => {
      const res = await write({ mimeType });
      expect(res.status).toBe(400);
      expect(res.body.error.message).toMatch(/mimeType must be a media type/);
    }
  );

  it.each(['.', '..', 'in"voice.html', 'in\u0001voice.html', 'invoice.html\r\nX: y', ' invoice.html'])(
    'refuses fileName %j',
    async (fileName) => {
      const res = await write({ fileName });
      expect(res.status).toBe(400);
      expect(res.body.error.message).toMatch(/fileName/);
    }
  );

  it('accepts an ordinary type and name', async () => {
    expect(
      (await write({ mimeType: 'application/vnd.ms-excel', fileName: 'Factuur 2026-01 (kopie).xlsx' })).status
    ).toBe(201);
  });
});

describe('a run of a few thousand results', () => {
  let runId: string;
  beforeAll(async () => {
    ({ runDocumentId: runId } = await seedRun(app.strapi, 2_500));
  });

  it('names the first few of 10,000 unknown ids and how many more, in a small answer', async () => {
    const ids = Array.from({ length: 10_000 }, (_, i) => `unknown${String(i).padStart(17, '0')}`);
    const res = await app
      .http()
      .post(`/api/message-runs/runs/${runId}/results/remove`)
      .set('Authorization', `Bearer ${apiToken}`)
      .send({ ids });
    expect(res.status).toBe(400);
    expect(res.text.length).toBeLessThan(2_000);
    expect(res.body.error.message).toContain(`${ids.slice(0, 10).join(', ')} and 9,990 more`);
    expect(res.body.error.message).not.toContain(ids[10]);
  });

  it('ends an export with an error line when the database fails half-way, instead of hanging', async () => {
    const customers = app.strapi.db.metadata.get(UIDS.customer).tableName;
    const knex = app.strapi.db.connection;
    let renamed: Promise<void> | undefined;
    // After the first batch (a query ending in `limit 1000`), the customers table the export joins goes away.
    const breakAfterFirstBatch = (_response: unknown, query: { sql: string; bindings?: unknown[] }) => {
      if (!renamed && /limit/i.test(query.sql) && query.bindings?.at(-1) === 1000) {
        // A schema builder runs when `then` is called.
        renamed = knex.schema.renameTable(customers, `${customers}_away`).then(() => undefined);
      }
    };
    knex.on('query-response', breakAfterFirstBatch);
    try {
      const text = await exportText(`/api/message-runs/runs/${runId}/results/export`);
      const lines = text.split('\r\n');
      expect(lines.length).toBeGreaterThan(1000);
      expect(lines.length).toBeLessThan(2_500);
      expect(text).toMatch(/\r\n# export failed: .*incomplete.*\r\n$/);
    } finally {
      knex.off('query-response', breakAfterFirstBatch);
      await renamed;
      if (renamed) await knex.schema.renameTable(`${customers}_away`, customers);
    }
    // The table is back: the export is whole again.
    const whole = (await exportText(`/api/message-runs/runs/${runId}/results/export`)).split('\r\n');
    expect(whole.length).toBe(2_500 + 2);
  });

  /** The export's text, once the server has ended the response; fails if it has not within 15 seconds. */
  const exportText = async (path: string) => {
    const res = await app.http().get(path).set('Authorization', `Bearer ${apiToken}`).timeout(15_000);
    expect(res.status).toBe(200);
    return res.text as string;
  };
});
