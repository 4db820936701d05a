import { startStrapi, type TestApp } from '../helpers/strapi';
import { createApiToken } from '../helpers/auth';
import type { Doc } from '../helpers/fixtures';
import {
  runsApi,
  runWorld,
  type Address,
  type Definition,
  type Documents,
  type RunsApi,
  type RunWorld,
} from '../helpers/runs';

/**
 * A run's results (DESIGN.md §3): the list (filter, search, pages, sort), resend and remove one by one
 * or in bulk (never one being sent), and the CSV export. Delivery is simulated by setting results'
 * columns in the database, as the queue would.
 */

let app: TestApp;
let world: RunWorld;
let api: RunsApi;
let definition: Definition;

beforeAll(async () => {
  app = await startStrapi();
  world = runWorld(app.strapi);
  api = runsApi(app, await createApiToken(app.strapi));
  definition = await world.definition();
});
afterAll(() => app?.stop());

const codes = (results: Record<string, any>[]) => results.map((result) => result.customer.code);

describe('GET /runs/:id/results', () => {
  const CUSTOMERS: {
    code: string;
    name: string;
    number: string | null;
    address?: Address;
    documents?: Documents;
  }[] = [
    { code: 'K-100', name: 'Acme Holding', number: 'INV-2026-001' },
    {
      code: 'K-200',
      name: 'Bakery Zuid',
      number: 'INV-2026-002',
      address: 'none',
    },
    { code: 'K-300', name: 'Café Noord', number: null },
    {
      code: 'K-400',
      name: 'Delta Works',
      number: 'INV-2026-004',
      documents: 'none',
    },
    { code: 'K-500', name: 'Echo Trading', number: 'INV-2026-005' },
  ];
  const ALL = CUSTOMERS.map((c) => c.code);
  let runId: string;

  beforeAll(async () => {
    const cluster = await world.make.cluster();
    for (const { code, name, number, address, documents } of CUSTOMERS) {
      await world.customerWithInvoice({
        cluster,
        definition,
        address,
        documents,
        customer: { code, name },
        invoice: { number },
      });
    }
    runId = (await api.createRun(world.criteria(definition, cluster))).documentId;
  });

  const list = async (query: Record<string, unknown>) => {
    const res = await api.results(runId, query);
    expect(res.status).toBe(200);
    return res.body as {
      data: Record<string, any>[];
      meta: Record<string, any>;
    };
  };

  it('lists every result in creation order, with the run’s counts', async () => {
    const { data, meta } = await list({});
    expect(codes(data)).toEqual(ALL);
    expect(meta).toEqual({
      pagination: { page: 1, pageSize: 25, pageCount: 1, total: 5 },
      cursor: null,
      counts: {
        total: 5,
        queued: 3,
        sending: 0,
        sent: 0,
        retrying: 0,
        failed: 0,
        skipped: 2,
        bounced: 0,
        complained: 0,
      },
    });
  });

  it('shows an invoice without number as Concept', async () => {
    const { data } = await list({ q: 'K-300' });
    expect(data).toEqual([
      {
        documentId: expect.stringMatching(/^[a-z0-9]{24}$/),
        status: 'queued',
        reason: null,
        error: null,
        recipient: 'k-300@example.com',
        attempts: 0,
        lastAttemptAt: null,
        nextAttemptAt: null,
        sentAt: null,
        deliveredAt: null,
        messageId: null,
        sha256: null,
        invoice: {
          documentId: expect.any(String),
          number: null,
          label: 'Concept',
          periodStart: '2026-01-01',
          periodEnd: '2026-01-31',
        },
        customer: {
          documentId: expect.any(String),
          code: 'K-300',
          name: 'Café Noord',
        },
      },
    ]);
    expect((await list({ q: 'K-100' })).data[0].invoice).toMatchObject({
      number: 'INV-2026-001',
      label: 'INV-2026-001',
    });
  });

  it.each([
    ['queued', ['K-100', 'K-300', 'K-500']],
    ['skipped', ['K-200', 'K-400']],
    ['queued,skipped', ALL],
    ['skipped, sent', ['K-200', 'K-400']],
    ['failed', []],
  ])('filters by status=%s', async (status, expected) => {
    const { data, meta } = await list({ status });
    expect(codes(data)).toEqual(expected);
    expect(meta.pagination.total).toBe(expected.length);
    // The counts are the whole run's, whatever the filter.
    expect(meta.counts).toMatchObject({ total: 5, queued: 3, skipped: 2 });
  });

  it.each([
    ['k-200', 'a customer code, in another case', ['K-200']],
    ['ACME', 'a part of a customer name', ['K-100']],
    ['café', 'a name with an accent', ['K-300']],
    ['inv-2026-00', 'a part of an invoice number', ['K-100', 'K-200', 'K-400', 'K-500']],
    ['K-500@EXAMPLE', 'a recipient', ['K-500']],
    ['@example.com', 'what every recipient holds (not the skipped one without)', ['K-100', 'K-300', 'K-400', 'K-500']],
    ['nobody', 'nothing', []],
    ['%', 'a LIKE wildcard, taken literally', []],
  ])('searches q=%s (%s)', async (q, _what, expected) => {
    const { data, meta } = await list({ q });
    expect(codes(data)).toEqual(expected);
    expect(meta.pagination.total).toBe(expected.length);
  });

  it('combines status and q', async () => {
    expect(codes((await list({ status: 'queued', q: 'inv' })).data)).toEqual(['K-100', 'K-500']);
  });

  it('pages through the results', async () => {
    const pages = await Promise.all([1, 2, 3, 4].map((page) => list({ page, pageSize: 2 })));
    expect(pages.map(({ data }) => codes(data))).toEqual([['K-100', 'K-200'], ['K-300', 'K-400'], ['K-500'], []]);
    expect(pages[2].meta.pagination).toEqual({
      page: 3,
      pageSize: 2,
      pageCount: 3,
      total: 5,
    });
    expect((await list({ page: 2, pageSize: 2, status: 'queued' })).meta.pagination).toEqual({
      page: 2,
      pageSize: 2,
      pageCount: 2,
      total: 3,
    });
  });

  it.each([
    ['customer.code:desc', ['K-500', 'K-400', 'K-300', 'K-200', 'K-100']],
    ['customer.name:asc', ALL],
    ['createdAt:desc', [...ALL].reverse()],
    ['status:asc', ['K-100', 'K-300', 'K-500', 'K-200', 'K-400']],
    ['status:desc', ['K-400', 'K-200', 'K-500', 'K-300', 'K-100']],
  ])('sorts by %s', async (sort, expected) => {
    expect(codes((await list({ sort })).data)).toEqual(expected);
  });

  it.each([
    ['customer.code:desc', ['K-300', 'K-200']],
    ['customer.name:asc', ['K-300', 'K-400']],
    ['createdAt:desc', ['K-300', 'K-200']],
  ])('pages in the order of %s', async (sort, expected) => {
    expect(codes((await list({ sort, page: 2, pageSize: 2 })).data)).toEqual(expected);
  });
});

describe('resend and remove', () => {
  /**
   * A fresh cluster of four eligible customers and a run on it whose results were delivered as:
   * failed, sent, sending (claimed by a worker), failed.
   */
  async function deliveredRun() {
    const cluster = await world.make.cluster();
    const customers: Doc[] = [];
    for (let i = 0; i < 4; i++) customers.push((await world.customerWithInvoice({ cluster, definition })).customer);
    const run = await api.createRun(world.criteria(definition, cluster));
    const [failed, sent, sending, failed2] = (await api.allResults(run.documentId)).map((result) => result.documentId);
    const now = new Date();
    await world.setResults([failed, failed2], {
      status: 'failed',
      reason: 'smtp-rejected',
      error: '550 mailbox unavailable',
      attempts: 4,
      lastAttemptAt: now,
    });
    await world.setResults([sent], {
      status: 'sent',
      attempts: 1,
      lastAttemptAt: now,
      sentAt: now,
      messageId: '<m1@example.com>',
    });
    await world.setResults([sending], {
      status: 'sending',
      attempts: 1,
      lockedBy: 'worker-1',
      lockedAt: now,
    });
    return {
      runId: run.documentId as string,
      ids: { failed, sent, sending, failed2 },
      customers,
    };
  }

  const resultsById = async (runId: string) =>
    Object.fromEntries((await api.allResults(runId)).map((result) => [result.documentId, result]));
  const countsOf = async (runId: string) => (await api.get(runId)).body.data.counts;

  it('resends every failed result, re-checking eligibility, leaving the others', async () => {
    const { runId, ids, customers } = await deliveredRun();
    await world.setAddresses(customers[3], []); // the customer of failed2 no longer has an address
    const res = await api.resend(runId, { status: ['failed'] });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      data: { requeued: 1, skipped: 1, suppressed: 0, inFlight: 0 },
    });

    const results = await resultsById(runId);
    expect(results[ids.failed]).toMatchObject({
      status: 'queued',
      reason: null,
      error: null,
      attempts: 0,
      recipient: expect.any(String),
    });
    expect(results[ids.failed2]).toMatchObject({
      status: 'skipped',
      reason: 'no-recipient',
      error: null,
      attempts: 0,
      recipient: null,
    });
    expect(results[ids.sent]).toMatchObject({
      status: 'sent',
      attempts: 1,
      messageId: '<m1@example.com>',
    });
    expect(results[ids.sending]).toMatchObject({
      status: 'sending',
      attempts: 1,
    });
    expect(await countsOf(runId)).toEqual({
      total: 4,
      queued: 1,
      sending: 1,
      sent: 1,
      retrying: 0,
      failed: 0,
      skipped: 1,
      bounced: 0,
      complained: 0,
    });
  });

  it('resends one result by id, and several, never one being sent', async () => {
    const { runId, ids } = await deliveredRun();
    expect((await api.resend(runId, { ids: [ids.sent] })).body.data).toEqual({
      requeued: 1,
      skipped: 0,
      suppressed: 0,
      inFlight: 0,
    });
    expect((await resultsById(runId))[ids.sent]).toMatchObject({
      status: 'queued',
      attempts: 0,
    });

    const res = await api.resend(runId, {
      ids: [ids.failed, ids.sending, ids.failed2, ids.failed],
    });
    expect(res.body.data).toEqual({ requeued: 2, skipped: 0, suppressed: 0, inFlight: 1 });
    const results = await resultsById(runId);
    expect(results[ids.sending]).toMatchObject({
      status: 'sending',
      attempts: 1,
    });
    expect(results[ids.failed2]).toMatchObject({
      status: 'queued',
      error: null,
      reason: null,
      attempts: 0,
    });
    expect(await countsOf(runId)).toEqual({
      total: 4,
      queued: 3,
      sending: 1,
      sent: 0,
      retrying: 0,
      failed: 0,
      skipped: 0,
      bounced: 0,
      complained: 0,
    });
  });

  it('removes one result, and several, never one being sent', async () => {
    const { runId, ids } = await deliveredRun();
    expect((await api.remove(runId, { ids: [ids.failed] })).body).toEqual({
      data: { removed: 1, inFlight: 0 },
    });
    expect((await api.remove(runId, { ids: [ids.sent, ids.sending, ids.failed2] })).body).toEqual({
      data: { removed: 2, inFlight: 1 },
    });
    expect(Object.keys(await resultsById(runId))).toEqual([ids.sending]);
    expect(await world.count.results({ documentId: { $in: Object.values(ids) } })).toBe(1);
  });

  const OTHER_RUN = 'another run’s result';
  const UNKNOWN = 'an unknown result';
  describe.each([
    ['resend', (runId: string, ids: string[]) => api.resend(runId, { ids })],
    ['remove', (runId: string, ids: string[]) => api.remove(runId, { ids })],
  ])('%s', (_action, act) => {
    it.each([OTHER_RUN, UNKNOWN])('refuses %s with 400 naming ids, changing nothing', async (which) => {
      const mine = await deliveredRun();
      const other = await deliveredRun();
      const foreign = which === OTHER_RUN ? other.ids.failed : 'z'.repeat(24);
      const res = await act(mine.runId, [mine.ids.failed, foreign]);
      expect(res.status).toBe(400);
      expect(res.body.error).toMatchObject({
        status: 400,
        name: 'ValidationError',
        message: expect.stringMatching(new RegExp(`^ids .*${foreign}`)),
      });
      for (const { runId } of [mine, other]) {
        expect(await countsOf(runId)).toMatchObject({
          total: 4,
          failed: 2,
          sent: 1,
          sending: 1,
          queued: 0,
        });
      }
    });
  });
});

describe('GET /runs/:id/results/export', () => {
  const HEADER =
    'result,status,reason,error,invoice,periodStart,periodEnd,customerCode,customerName,recipient,attempts,lastAttemptAt,sentAt,deliveredAt,messageId';
  let runId: string;
  let listed: Record<string, any>[];

  beforeAll(async () => {
    const cluster = await world.make.cluster();
    await world.customerWithInvoice({
      cluster,
      definition,
      customer: { code: 'X-1', name: 'Smith, "The Smiths"' },
    });
    await world.customerWithInvoice({
      cluster,
      definition,
      customer: { code: 'X-2', name: '=SUM(A1:A9)' },
      invoice: { number: 'F-2' },
    });
    await world.customerWithInvoice({
      cluster,
      definition,
      address: 'none',
      customer: { code: 'X-3', name: 'Plain' },
    });
    runId = (await api.createRun(world.criteria(definition, cluster))).documentId;
    listed = await api.allResults(runId);
  });

  const exportLines = async (query: Record<string, unknown> = {}) => {
    const res = await api.export(runId, query);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('text/csv; charset=utf-8');
    // The definition's name and the run's day, which a downloads folder shows; the filter's statuses.
    const run = (await api.get(runId)).body.data;
    const statuses = query.status ? `-${String(query.status)}` : '';
    expect(res.headers['content-disposition']).toBe(
      `attachment; filename="${definition.name}-${run.createdAt.slice(0, 10)}${statuses}-results.csv"`
    );
    // UTF-8 with a byte-order mark, so that Excel reads "Café" as it is.
    expect(res.text.startsWith('\ufeff')).toBe(true);
    expect(res.text.endsWith('\r\n')).toBe(true);
    return res.text.slice(1, -2).split('\r\n');
  };

  it('writes a header and one line per result, quoting and defusing values', async () => {
    const [x1, x2, x3] = listed.map((result) => result.documentId);
    expect(await exportLines()).toEqual([
      HEADER,
      `${x1},queued,,,Concept,2026-01-01,2026-01-31,X-1,"Smith, ""The Smiths""",x-1@example.com,0,,,,`,
      `${x2},queued,,,F-2,2026-01-01,2026-01-31,X-2,'=SUM(A1:A9),x-2@example.com,0,,,,`,
      `${x3},skipped,no-recipient,,Concept,2026-01-01,2026-01-31,X-3,Plain,,0,,,,`,
    ]);
  });

  it.each([
    ['skipped', ['X-3']],
    ['queued', ['X-1', 'X-2']],
    ['sent', []],
  ])('honours status=%s', async (status, expected) => {
    const [header, ...lines] = await exportLines({ status });
    expect(header).toBe(HEADER);
    expect(lines.map((line) => line.split(',')[7])).toEqual(expected);
    expect(lines.every((line) => line.split(',')[1] === status)).toBe(true);
  });
});
