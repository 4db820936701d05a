import { startStrapi, type TestApp } from '../helpers/strapi';
import { createApiToken } from '../helpers/auth';
import { fixtures, unique } from '../helpers/fixtures';

/**
 * Each domain content type round-trips through its REST API with a full-access token: create, read
 * back the same values (relations and components populated), update, find in the list, delete.
 */

let app: TestApp;
let make: ReturnType<typeof fixtures>;
let token: string;

beforeAll(async () => {
  app = await startStrapi();
  make = fixtures(app.strapi);
  token = await createApiToken(app.strapi, 'full-access');
});
afterAll(() => app?.stop());

const api = {
  get: (url: string) => app.http().get(url).set('Authorization', `Bearer ${token}`),
  post: (url: string, data: object) => app.http().post(url).set('Authorization', `Bearer ${token}`).send({ data }),
  put: (url: string, data: object) => app.http().put(url).set('Authorization', `Bearer ${token}`).send({ data }),
  delete: (url: string) => app.http().delete(url).set('Authorization', `Bearer ${token}`),
};

type Data = Record<string, unknown>;

interface RoundTrip {
  plural: string;
  /** The document to POST (relations by documentId), and what GET returns for it. */
  build(): Promise<{ data: Data; expected: Data }>;
  /** A change to PUT; GET returns these values afterwards. */
  change: Data;
}

const ref = (doc: { documentId: string }) => ({ documentId: doc.documentId });

const ROUND_TRIPS: RoundTrip[] = [
  {
    plural: 'customer-clusters',
    async build() {
      const parent = await make.cluster();
      const data = { name: unique('Benelux'), parent: parent.documentId };
      return { data, expected: { ...data, parent: ref(parent) } };
    },
    change: { name: 'Benelux (renamed)' },
  },
  {
    plural: 'customers',
    async build() {
      const cluster = await make.cluster();
      const data = {
        code: unique('C'),
        name: 'Acme B.V.',
        languageCode: 'nl-NL',
        cluster: cluster.documentId,
        emailAddresses: [
          { key: 'billing', address: 'billing@acme.example', displayName: 'Acme billing' },
          { key: 'cc', address: 'finance@acme.example', displayName: null },
        ],
      };
      return { data, expected: { ...data, cluster: ref(cluster) } };
    },
    change: { name: 'Acme Holding B.V.' },
  },
  {
    plural: 'invoices',
    async build() {
      const customer = await make.customer();
      const data = {
        customer: customer.documentId,
        periodStart: '2025-01-01',
        periodEnd: '2025-01-31',
        status: 'open',
        type: 'adhoc',
        amount: 1234.5,
        currency: 'USD',
        invoiceDate: '2025-02-03',
        number: null,
      };
      return { data, expected: { ...data, customer: ref(customer) } };
    },
    change: { status: 'approved', number: 'INV-2025-0001' },
  },
  {
    plural: 'invoice-transformations',
    async build() {
      const data = { name: unique('Invoice PDF'), outputType: 'pdf', description: 'The invoice as PDF' };
      return { data, expected: data };
    },
    change: { outputType: 'html' },
  },
  {
    plural: 'transformation-results',
    async build() {
      const [invoice, transformation] = await Promise.all([make.invoice(), make.transformation()]);
      const data = {
        invoice: invoice.documentId,
        transformation: transformation.documentId,
        content: '<h1>Invoice</h1>',
        fileName: 'invoice.html',
        mimeType: 'text/html',
        isOutOfDate: false,
      };
      return { data, expected: { ...data, invoice: ref(invoice), transformation: ref(transformation), file: null } };
    },
    change: { isOutOfDate: true },
  },
  {
    plural: 'message-senders',
    async build() {
      const data = { key: unique('billing'), email: 'billing@example.com', displayName: 'Billing' };
      return { data, expected: data };
    },
    change: { displayName: 'Accounts receivable' },
  },
  {
    plural: 'message-definitions',
    async build() {
      const [sender, pdf, html] = await Promise.all([make.sender(), make.transformation(), make.transformation()]);
      const data = {
        name: unique('Monthly invoice'),
        fromKey: sender.key,
        recipientKey: 'billing',
        subjectTemplate: 'Invoice {{invoice.number}}',
        bodyTemplate: '<p>Dear {{customer.name}},</p>',
        textTemplate: 'Dear {{customer.name}},',
        invoiceTransformations: [pdf.documentId, html.documentId],
        zipAttachments: true,
        collate: false,
      };
      return {
        data,
        expected: {
          ...data,
          invoiceTransformations: [expect.objectContaining(ref(pdf)), expect.objectContaining(ref(html))],
        },
      };
    },
    change: { collate: true, subjectTemplate: 'Your invoices' },
  },
];

describe.each(ROUND_TRIPS)('/api/$plural', ({ plural, build, change }) => {
  it('creates, reads back, updates, lists and deletes a document', async () => {
    const { data, expected } = await build();

    const created = await api.post(`/api/${plural}`, data);
    expect(created.status).toBe(201);
    const { documentId } = created.body.data;
    expect(documentId).toEqual(expect.any(String));

    const read = await api.get(`/api/${plural}/${documentId}?populate=*`);
    expect(read.status).toBe(200);
    expect(read.body.data).toMatchObject({ documentId, ...expected });

    const updated = await api.put(`/api/${plural}/${documentId}`, change);
    expect(updated.status).toBe(200);
    expect(updated.body.data).toMatchObject(change);
    const reread = await api.get(`/api/${plural}/${documentId}?populate=*`);
    expect(reread.body.data).toMatchObject({ ...expected, ...change });

    const list = await api.get(`/api/${plural}?pagination[pageSize]=100`);
    expect(list.status).toBe(200);
    expect(list.body.data).toContainEqual(expect.objectContaining({ documentId, ...change }));

    expect((await api.delete(`/api/${plural}/${documentId}`)).status).toBe(204);
    expect((await api.get(`/api/${plural}/${documentId}`)).status).toBe(404);
  });
});

describe('/api/transformation-results with a media file', () => {
  it('attaches a file uploaded through /api/upload and returns its URL', async () => {
    const content = 'Invoice 2025-0001\nTotal: EUR 121.00\n';
    const upload = await app
      .http()
      .post('/api/upload')
      .set('Authorization', `Bearer ${token}`)
      .attach('files', Buffer.from(content), { filename: 'invoice-2025-0001.txt', contentType: 'text/plain' });
    expect(upload.status).toBe(201);
    const [file] = upload.body;
    expect(file).toMatchObject({ id: expect.any(Number), name: 'invoice-2025-0001.txt', mime: 'text/plain', url: expect.stringMatching(/^\/uploads\/.+\.txt$/) });

    try {
      const [invoice, transformation] = await Promise.all([make.invoice(), make.transformation()]);
      const created = await api.post('/api/transformation-results', {
        invoice: invoice.documentId,
        transformation: transformation.documentId,
        file: file.id,
      });
      expect(created.status).toBe(201);

      const read = await api.get(`/api/transformation-results/${created.body.data.documentId}?populate=*`);
      expect(read.status).toBe(200);
      expect(read.body.data).toMatchObject({ content: null, file: { id: file.id, url: file.url, mime: 'text/plain' } });

      // The URL serves the uploaded bytes.
      const served = await app.http().get(read.body.data.file.url);
      expect(served.status).toBe(200);
      expect(served.text).toBe(content);
    } finally {
      const removed = await api.delete(`/api/upload/files/${file.id}`);
      expect(removed.status).toBe(200);
    }
    expect(await app.strapi.db.query('plugin::upload.file').findOne({ where: { id: file.id } })).toBeNull();
  });
});
