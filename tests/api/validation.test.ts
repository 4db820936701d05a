import type { UID } from '@strapi/strapi';
import { startStrapi, type TestApp } from '../helpers/strapi';
import { createApiToken, loginSuperAdmin } from '../helpers/auth';
import { fixtures, PLURALS, removeMediaFile, unique, UIDS } from '../helpers/fixtures';

/**
 * Every rule of the domain (DESIGN.md §2) refuses bad input with a ValidationError whose message
 * names the field, whichever way the write comes in: the REST API, the Content Manager, or code
 * calling the Document Service. Each refusal has a valid counterpart that is accepted, so no test
 * passes because everything is refused.
 */

let app: TestApp;
let make: ReturnType<typeof fixtures>;
let apiToken: string;
let adminToken: string;
const uploadedFileIds: number[] = [];

beforeAll(async () => {
  app = await startStrapi();
  make = fixtures(app.strapi);
  apiToken = await createApiToken(app.strapi, 'full-access');
  adminToken = await loginSuperAdmin(app);
});
afterAll(async () => {
  if (!app) return;
  for (const id of uploadedFileIds) await removeMediaFile(app.strapi, id);
  await app.stop();
});

type Doc = Record<string, any>;
type Data = Record<string, unknown>;
type Type = keyof typeof UIDS;

type Outcome =
  | { ok: true; status?: number; doc: Doc }
  | { ok: false; status?: number; error: { name: string; message: string; paths: string[] } };

/** ['emailAddresses', 1, 'key'] → "emailAddresses[1].key", as the messages write it. */
const formatPath = (path: (string | number)[]) =>
  path.reduce<string>((text, part) => (/^\d+$/.test(String(part)) ? `${text}[${part}]` : text ? `${text}.${part}` : String(part)), '');

/** A write path into the domain, and how it names related documents. */
interface Channel {
  name: string;
  /** The HTTP status of a refusal; the Document Service rejects its promise instead. */
  refusedStatus?: number;
  create(type: Type, data: Data): Promise<Outcome>;
  update(type: Type, documentId: string, data: Data): Promise<Outcome>;
  /** A to-one relation to `doc`. */
  one(doc: Doc): unknown;
  /** A to-many relation to exactly `docs`. */
  many(docs: Doc[]): unknown;
}

const fromResponse = (res: { status: number; body: any }): Outcome =>
  res.status < 300
    ? { ok: true, status: res.status, doc: res.body.data }
    : {
        ok: false,
        status: res.status,
        error: {
          name: res.body?.error?.name,
          message: res.body?.error?.message,
          paths: (res.body?.error?.details?.errors ?? []).map((e: { path: (string | number)[] }) => formatPath(e.path)),
        },
      };

const fromPromise = async (write: Promise<Doc | null>): Promise<Outcome> => {
  try {
    return { ok: true, doc: (await write) as Doc };
  } catch (error: any) {
    if (!error?.name || !('details' in error)) throw error; // not a Strapi error: let the test fail on it
    return {
      ok: false,
      error: {
        name: error.name,
        message: error.message,
        paths: (error.details?.errors ?? []).map((e: { path: (string | number)[] }) => formatPath(e.path)),
      },
    };
  }
};

const rest: Channel = {
  name: 'REST API',
  refusedStatus: 400,
  create: async (type, data) =>
    fromResponse(await app.http().post(`/api/${PLURALS[type]}`).set('Authorization', `Bearer ${apiToken}`).send({ data })),
  update: async (type, documentId, data) =>
    fromResponse(
      await app.http().put(`/api/${PLURALS[type]}/${documentId}`).set('Authorization', `Bearer ${apiToken}`).send({ data })
    ),
  one: (doc) => doc.documentId,
  many: (docs) => docs.map((doc) => doc.documentId),
};

const contentManager: Channel = {
  name: 'Content Manager',
  refusedStatus: 400,
  // The Content Manager takes the document's fields as the whole body.
  create: async (type, data) =>
    fromResponse(
      await app.http().post(`/content-manager/collection-types/${UIDS[type]}`).set('Authorization', `Bearer ${adminToken}`).send(data)
    ),
  update: async (type, documentId, data) =>
    fromResponse(
      await app
        .http()
        .put(`/content-manager/collection-types/${UIDS[type]}/${documentId}`)
        .set('Authorization', `Bearer ${adminToken}`)
        .send(data)
    ),
  // The admin's relation fields send relation operations.
  one: (doc) => ({ connect: [{ id: doc.id, documentId: doc.documentId }] }),
  many: (docs) => (docs.length ? { set: docs.map(({ id, documentId }) => ({ id, documentId })) } : { set: [] }),
};

const documentService: Channel = {
  name: 'Document Service',
  create: (type, data) => fromPromise(app.strapi.documents(UIDS[type] as UID.ContentType).create({ data: data as any })),
  update: (type, documentId, data) =>
    fromPromise(app.strapi.documents(UIDS[type] as UID.ContentType).update({ documentId, data: data as any })),
  one: (doc) => doc.documentId,
  many: (docs) => docs.map((doc) => doc.documentId),
};

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

const read = (type: Type, documentId: string) =>
  app.strapi.documents(UIDS[type] as UID.ContentType).findOne({ documentId, populate: '*' }) as Promise<Doc>;

describe.each([rest, contentManager, documentService])('through the $name', (channel) => {
  /** The write was refused as a ValidationError whose message names `field` (and says `detail`, if given). */
  function expectRefused(outcome: Outcome, field: string, detail?: string | RegExp) {
    expect(outcome).toMatchObject({ ok: false, error: { name: 'ValidationError' } });
    const { status, error } = outcome as Extract<Outcome, { ok: false }>;
    expect(status).toBe(channel.refusedStatus);
    expect(error.message).toMatch(new RegExp(`(^|; )${escape(field)} `));
    expect(error.paths).toContain(field);
    if (detail) expect(error.message).toMatch(detail);
  }

  function expectAccepted(outcome: Outcome): Doc {
    expect(outcome).toMatchObject({ ok: true, doc: { documentId: expect.any(String) } });
    if (channel.refusedStatus) expect([200, 201]).toContain(outcome.status);
    return (outcome as { doc: Doc }).doc;
  }

  describe('customer clusters', () => {
    it('refuses a cluster as its own parent', async () => {
      const a = await make.cluster();
      expectRefused(await channel.update('cluster', a.documentId, { parent: channel.one(a) }), 'parent', 'its own ancestor');
      expect((await read('cluster', a.documentId)).parent).toBeNull();
    });

    it('refuses a parent that is a descendant (root→A→B→C, A under C) and rolls the write back', async () => {
      const root = await make.cluster();
      const a = await make.cluster({ parent: root.documentId });
      const b = await make.cluster({ parent: a.documentId });
      const c = await make.cluster({ parent: b.documentId });

      expectRefused(await channel.update('cluster', a.documentId, { parent: channel.one(c) }), 'parent', 'its own ancestor');

      expect((await read('cluster', a.documentId)).parent).toMatchObject({ documentId: root.documentId });
      expect((await read('cluster', c.documentId)).parent).toMatchObject({ documentId: b.documentId });
    });

    it('accepts a new cluster under a parent, and moving a cluster under one that is not its descendant', async () => {
      const root = await make.cluster();
      const child = expectAccepted(await channel.create('cluster', { name: unique('Cluster'), parent: channel.one(root) }));
      const other = await make.cluster();

      expectAccepted(await channel.update('cluster', child.documentId, { parent: channel.one(other) }));

      expect((await read('cluster', child.documentId)).parent).toMatchObject({ documentId: other.documentId });
    });
  });

  describe('customers', () => {
    const customerData = (overrides: Data = {}) => {
      const code = unique('C');
      return { code, name: `Customer ${code}`, ...overrides };
    };

    it('refuses two email addresses with the same key, on create and on update', async () => {
      const data = customerData({
        emailAddresses: [
          { key: 'billing', address: 'a@example.com' },
          { key: 'billing', address: 'b@example.com' },
        ],
      });
      expectRefused(await channel.create('customer', data), 'emailAddresses[1].key', '"billing" is used twice, by email address 1 and 2');
      expect(await app.strapi.documents(UIDS.customer).findFirst({ filters: { code: data.code as string } })).toBeNull();

      const existing = await make.customer();
      expectRefused(
        await channel.update('customer', existing.documentId, {
          emailAddresses: [
            { key: 'cc', address: 'a@example.com' },
            { key: 'billing', address: 'b@example.com' },
            { key: 'cc', address: 'c@example.com' },
          ],
        }),
        'emailAddresses[2].key'
      );
      expect((await read('customer', existing.documentId)).emailAddresses.map((e: Doc) => e.key)).toEqual(['billing', 'cc']);
    });

    it('accepts email addresses with distinct keys', async () => {
      const created = expectAccepted(
        await channel.create(
          'customer',
          customerData({
            emailAddresses: [
              { key: 'billing', address: 'a@example.com' },
              { key: 'cc', address: 'b@example.com', displayName: 'B' },
            ],
          })
        )
      );
      const stored = await read('customer', created.documentId);
      expect(stored.emailAddresses).toMatchObject([
        { key: 'billing', address: 'a@example.com' },
        { key: 'cc', address: 'b@example.com', displayName: 'B' },
      ]);
    });

    it('refuses an invalid email address', async () => {
      const outcome = await channel.create(
        'customer',
        customerData({
          emailAddresses: [
            { key: 'billing', address: 'billing@example.com' },
            { key: 'cc', address: 'not-an-email' },
          ],
        })
      );
      // Strapi's own validation of the `email` attribute type.
      expectRefused(outcome, 'emailAddresses[1].address', 'must be a valid email');
    });

    it('refuses a change of code and keeps the code, but accepts changes of other fields', async () => {
      const customer = await make.customer();

      expectRefused(await channel.update('customer', customer.documentId, { code: unique('C') }), 'code', `it is "${customer.code}"`);
      expect((await read('customer', customer.documentId)).code).toBe(customer.code);

      // Sending the unchanged code along (as the Content Manager does) is fine.
      const renamed = await channel.update('customer', customer.documentId, { code: customer.code, name: 'Renamed B.V.' });
      expectAccepted(renamed);
      const relocated = await channel.update('customer', customer.documentId, { languageCode: 'en-GB' });
      expectAccepted(relocated);
      if (channel.refusedStatus) expect([renamed.status, relocated.status]).toEqual([200, 200]);
      expect(await read('customer', customer.documentId)).toMatchObject({ code: customer.code, name: 'Renamed B.V.', languageCode: 'en-GB' });
    });
  });

  describe('invoices', () => {
    it('refuses a periodEnd before periodStart on create, and accepts a one-day period', async () => {
      const customer = await make.customer();
      const data = { customer: channel.one(customer), periodStart: '2025-03-01', periodEnd: '2025-02-28' };

      expectRefused(await channel.create('invoice', data), 'periodEnd', 'must not be before periodStart (2025-03-01)');
      expectAccepted(await channel.create('invoice', { ...data, periodEnd: '2025-03-01' }));
    });

    it('refuses an update of only periodEnd to before periodStart, and accepts a later one', async () => {
      const invoice = await make.invoice({ periodStart: '2025-01-01', periodEnd: '2025-01-31' });

      expectRefused(await channel.update('invoice', invoice.documentId, { periodEnd: '2024-12-31' }), 'periodEnd');
      expect((await read('invoice', invoice.documentId)).periodEnd).toBe('2025-01-31');

      expectAccepted(await channel.update('invoice', invoice.documentId, { periodEnd: '2025-02-28' }));
      expect((await read('invoice', invoice.documentId)).periodEnd).toBe('2025-02-28');
    });
  });

  describe('message definitions', () => {
    let sender: Doc;
    let transformation: Doc;
    beforeAll(async () => {
      sender = await make.sender();
      transformation = await make.transformation();
    });

    const definitionData = (overrides: Data = {}) => ({
      name: unique('Definition'),
      fromKey: sender.key,
      recipientKey: 'billing',
      subjectTemplate: 'Invoice {{invoice.number}}',
      bodyTemplate: '<p>Dear {{customer.name}},</p>\n<p>Your invoice:</p>\n{{#if invoice}}{{invoice.number}}{{/if}}',
      textTemplate: 'Dear {{customer.name}}',
      invoiceTransformations: channel.many([transformation]),
      ...overrides,
    });

    it('accepts a valid definition', async () => {
      const created = expectAccepted(await channel.create('definition', definitionData()));
      expect((await read('definition', created.documentId)).invoiceTransformations).toMatchObject([{ documentId: transformation.documentId }]);
    });

    it.each([
      ['subjectTemplate', 'Invoice {{invoice.number', 'line 1, column 19'],
      ['bodyTemplate', '<p>Dear {{customer.name}},</p>\n<p>Your invoice:</p>\n{{#if invoice}}<p>attached</p>', 'line 3, column 31'],
      ['textTemplate', 'Dear customer,\n{{#if invoice}}\nattached\n{{/each}}', 'line 2, column 4'],
    ])('refuses a %s that does not compile, with its line and column', async (field, template, position) => {
      expectRefused(await channel.create('definition', definitionData({ [field]: template })), field, `does not compile: ${position}: `);
    });

    it('refuses a subjectTemplate with a line break', async () => {
      expectRefused(await channel.create('definition', definitionData({ subjectTemplate: 'Invoice\n{{invoice.number}}' })), 'subjectTemplate', 'must be one line');
    });

    it('refuses a blank recipientKey', async () => {
      expectRefused(await channel.create('definition', definitionData({ recipientKey: '   ' })), 'recipientKey', 'must not be blank');
    });

    it('refuses a fromKey that is no sender\'s key', async () => {
      expectRefused(await channel.create('definition', definitionData({ fromKey: 'nobody' })), 'fromKey', '"nobody" is not the key of any message sender');
    });

    it('refuses a definition without invoice transformations, on create and on update', async () => {
      const { invoiceTransformations, ...withoutTransformations } = definitionData();
      expectRefused(await channel.create('definition', withoutTransformations), 'invoiceTransformations', 'at least one');

      const definition = await make.definition({ fromKey: sender.key, invoiceTransformations: [transformation.documentId] });
      expectRefused(await channel.update('definition', definition.documentId, { invoiceTransformations: channel.many([]) }), 'invoiceTransformations');
      expect((await read('definition', definition.documentId)).invoiceTransformations).toHaveLength(1);
    });
  });

  describe('transformation results', () => {
    let invoice: Doc;
    let transformation: Doc;
    let file: Doc;
    beforeAll(async () => {
      invoice = await make.invoice();
      transformation = await make.transformation();
      file = await make.mediaFile();
      uploadedFileIds.push(file.id);
    });

    const resultData = (overrides: Data = {}) => ({
      invoice: channel.one(invoice),
      transformation: channel.one(transformation),
      content: '<p>Invoice</p>',
      fileName: 'invoice.html',
      mimeType: 'text/html',
      ...overrides,
    });
    const fileOnly = () => resultData({ content: null, fileName: null, mimeType: null, file: file.id });

    it('accepts inline content with a file name and MIME type, and a media file alone', async () => {
      expectAccepted(await channel.create('transformationResult', resultData()));
      const withFile = expectAccepted(await channel.create('transformationResult', fileOnly()));
      expect((await read('transformationResult', withFile.documentId)).file).toMatchObject({ id: file.id });
    });

    it.each([
      ['neither file nor content', { content: null }, 'file'],
      ['inline content without fileName', { fileName: null }, 'fileName'],
      ['inline content without mimeType', { mimeType: null }, 'mimeType'],
      ['a fileName with a folder', { fileName: 'out/invoice.html' }, 'fileName'],
    ])('refuses %s', async (_, overrides, field) => {
      expectRefused(await channel.create('transformationResult', resultData(overrides)), field);
    });

    it('refuses both a media file and inline content', async () => {
      expectRefused(await channel.create('transformationResult', { ...fileOnly(), content: 'inline', fileName: 'x.txt', mimeType: 'text/plain' }), 'content');
    });
  });
});
