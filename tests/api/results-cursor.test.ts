import { startStrapi, type TestApp } from '../helpers/strapi';
import { createApiToken } from '../helpers/auth';
import { runsApi, type RunsApi } from '../helpers/runs';
import { seedBulkData } from '../../scripts/lib/bulk-data';
import { createRunOver } from '../../scripts/lib/bulk-run';
import { resolveTables, RUN_UID, type Tables } from '../../scripts/lib/plugin';
import { seedSendingDefinition } from '../../scripts/lib/seed';
import { RESULT_SORT_KEYS } from '../../src/plugins/message-runs/shared/contracts/results';

/**
 * The results list's cursors (DESIGN.md §3): walking a run with them visits every result once, in
 * the list's order (NULLs first ascending, last descending, ties by creation), as the numbered pages
 * do on both databases; a cursor for another sort or filter, or not one the list gave, is refused.
 */

let app: TestApp;
let api: RunsApi;
let t: Tables;
let runDocumentId: string;
let runId: number;

/** Customers C0…C11 with 5 invoices each: ties on customer and recipient. */
const CUSTOMERS = 12;

beforeAll(async () => {
  app = await startStrapi();
  api = runsApi(app, await createApiToken(app.strapi));
  t = resolveTables(app.strapi);
  const { transformation, definition } = await seedSendingDefinition(app.strapi, {
    name: 'keyset',
    outputType: 'html',
  });
  const data = await seedBulkData(app.strapi, t, {
    name: 'keyset',
    invoiceCount: CUSTOMERS * 5,
    transformationId: transformation.id,
    recipientKey: 'InvoiceEmail',
  });
  runDocumentId = (await createRunOver(app.strapi, definition, data)).documentId;
  runId = (await app.strapi.db.query(RUN_UID).findOne({ where: { documentId: runDocumentId } })).id;
  // Delivery as the queue records it, through the Query Engine: ties and NULLs in every sortable column.
  const ids = await resultIds();
  const at = (minutes: number) => new Date(Date.UTC(2026, 2, 1, 10, minutes));
  const set = (pick: (i: number) => boolean, data: Record<string, unknown>) =>
    app.strapi.db
      .query('plugin::message-runs.message-result')
      .updateMany({ where: { id: { $in: ids.filter((_, i) => pick(i)) } }, data });
  await set((i) => i % 5 === 0, { status: 'sent', sentAt: at(0), lastAttemptAt: at(0), attempts: 1 });
  for (const i of ids.keys()) {
    if (i % 5 === 1)
      await set((j) => j === i, { status: 'sent', sentAt: at(60 - i), lastAttemptAt: at(i), attempts: 2 });
  }
  await set((i) => i % 5 === 2, { status: 'failed', lastAttemptAt: at(30), attempts: 3 });
  await set((i) => i % 7 === 0, { recipient: null });
  await set((i) => i % 6 === 0, { invoiceNumber: null });
  if (app.strapi.db.dialect.client === 'postgres') {
    // Microseconds apart: a cursor must not round them together.
    for (const [index, time] of [
      [3, '2026-03-01 09:00:00.123456'],
      [4, '2026-03-01 09:00:00.123457'],
    ] as const) {
      await app.strapi.db.connection(t.results).where('id', ids[index]).update({ sent_at: time, status: 'sent' });
    }
  }
});
afterAll(() => app?.stop());

async function resultIds() {
  const rows: { id: number }[] = await app.strapi.db
    .connection(t.results)
    .select('id')
    .where('run_id', runId)
    .orderBy('id');
  return rows.map((row) => Number(row.id));
}

/** The result column a sort key names: its own (snake_case), the copied invoice's or customer's, or the id. */
const columnOf = (key: string) =>
  key === 'createdAt' ? 'id' : key.replace('.', '_').replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`);

/** The list's order, as plain SQL: NULLs first ascending (last descending), then the value, then creation. */
async function expectedOrder(sort: string, { status, q }: { status?: string; q?: string }) {
  const [key, order] = sort.split(':') as [string, 'asc' | 'desc'];
  const column = `r.${columnOf(key)}`;
  const query = app.strapi.db
    .connection({ r: t.results })
    .leftJoin({ c: t.customers }, 'c.id', 'r.customer_id')
    .leftJoin({ i: t.invoices }, 'i.id', 'r.invoice_id')
    .select('r.document_id')
    .where('r.run_id', runId)
    .orderByRaw(`CASE WHEN ${column} IS NULL THEN 0 ELSE 1 END ${order}, ${column} ${order}, r.id ${order}`);
  if (status) query.whereIn('r.status', status.split(','));
  if (q) {
    query.where((match) => {
      for (const searched of ['c.code', 'c.name', 'i.number', 'r.recipient'])
        match.orWhereRaw(`lower(${searched}) like ?`, [`%${q}%`]);
    });
  }
  return (await query).map((row: { document_id: string }) => row.document_id);
}

type ListBody = {
  data: { documentId: string }[];
  meta: { cursor: string | null; pagination: Record<string, unknown> };
};

async function list(query: Record<string, unknown>) {
  const res = await api.results(runDocumentId, query as never);
  expect(res.status).toBe(200);
  return res.body as ListBody;
}

/** Every page from the first, following meta.cursor. */
async function walk(query: Record<string, unknown>) {
  const seen: string[] = [];
  let body = await list(query);
  for (let pages = 0; ; pages++) {
    seen.push(...body.data.map((result) => result.documentId));
    if (!body.meta.cursor) return seen;
    expect(pages).toBeLessThan(100);
    body = await list({ ...query, cursor: body.meta.cursor });
    expect(body.meta.pagination.page).toBeNull();
  }
}

const FILTERS = [{}, { status: 'sent,failed' }, { q: '-c1' }, { status: 'queued,skipped', q: '-c1' }];
const SORTS = RESULT_SORT_KEYS.flatMap((key) => [`${key}:asc`, `${key}:desc`]);

/** Each result of the run (by id) with its copied sort values beside its invoice's and customer's own. */
function copiedValues(ofRunId: number): Promise<Record<string, unknown>[]> {
  return app.strapi.db
    .connection({ r: t.results })
    .join({ c: t.customers }, 'c.id', 'r.customer_id')
    .join({ i: t.invoices }, 'i.id', 'r.invoice_id')
    .select('r.invoice_number', 'r.customer_code', 'r.customer_name', { number: 'i.number', code: 'c.code', name: 'c.name' })
    .where('r.run_id', ofRunId)
    .orderBy('r.id');
}

describe('walking the results with cursors', () => {
  it('sorts by the invoice number and customer code and name each result was made for', async () => {
    const rows = await copiedValues(runId);
    expect(rows).toHaveLength(CUSTOMERS * 5);
    // Every sixth result's number was set to none above.
    expect(rows).toEqual(
      rows.map((row, i) => ({
        ...row,
        invoice_number: i % 6 === 0 ? null : row.number,
        customer_code: row.code,
        customer_name: row.name,
      }))
    );
    expect(rows.every((row) => typeof row.code === 'string' && typeof row.number === 'string')).toBe(true);
  });

  it.each(SORTS)('visits every result once, in order, sorted by %s', async (sort) => {
    for (const filter of FILTERS) {
      const expected = await expectedOrder(sort, filter);
      expect(expected.length).toBeGreaterThan(0);
      const walked = await walk({ ...filter, sort, pageSize: 7 });
      expect({ filter, walked }).toEqual({ filter, walked: expected });
      // The numbered pages have the same order, NULLs in the same place on both databases.
      const pages = await Promise.all(
        Array.from({ length: Math.ceil(expected.length / 7) }, (_, i) =>
          list({ ...filter, sort, pageSize: 7, page: i + 1 })
        )
      );
      expect({ filter, paged: pages.flatMap((page) => page.data.map((r) => r.documentId)) }).toEqual({
        filter,
        paged: expected,
      });
    }
  });

  it('gives a cursor on a numbered page too, and none on the last page', async () => {
    const first = await list({ sort: 'sentAt:asc', pageSize: 10, page: 1 });
    const second = await list({ sort: 'sentAt:asc', pageSize: 10, cursor: first.meta.cursor });
    expect(second.data).toEqual((await list({ sort: 'sentAt:asc', pageSize: 10, page: 2 })).data);
    const total = CUSTOMERS * 5;
    expect((await list({ pageSize: 10, page: total / 10 })).meta.cursor).toBeNull();
    expect((await list({ pageSize: 200 })).meta.cursor).toBeNull();
  });

  it('neither repeats nor skips the results still matching when others change status between pages', async () => {
    const query = { status: 'queued', sort: 'createdAt:asc', pageSize: 4 };
    const first = await list(query);
    const queuedBefore = await expectedOrder('createdAt:asc', { status: 'queued' });
    // The first page's results, and two further ones, are sent meanwhile: they leave the filter.
    const leaving = [...first.data.map((r) => r.documentId), queuedBefore[5], queuedBefore[8]];
    await app.strapi.db.connection(t.results).whereIn('document_id', leaving).update({ status: 'sent' });
    try {
      const rest: string[] = [];
      let cursor = first.meta.cursor;
      while (cursor) {
        const page = await list({ ...query, cursor });
        rest.push(...page.data.map((r) => r.documentId));
        cursor = page.meta.cursor;
      }
      expect(rest).toEqual(queuedBefore.slice(4).filter((id) => !leaving.includes(id)));
    } finally {
      await app.strapi.db.connection(t.results).whereIn('document_id', leaving).update({ status: 'queued' });
    }
  });
});

describe('refused cursors', () => {
  const refusal = async (query: Record<string, unknown>, message: RegExp) => {
    const res = await api.results(runDocumentId, query as never);
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ name: 'ValidationError', message: expect.stringMatching(message) });
    expect(res.body.error.details.errors).toEqual([expect.objectContaining({ path: ['cursor'] })]);
  };
  const forged = (cursor: Record<string, unknown>) => Buffer.from(JSON.stringify(cursor)).toString('base64url');
  let cursor: string;
  beforeAll(async () => {
    cursor = (await list({ sort: 'sentAt:asc', status: 'sent', pageSize: 2 })).meta.cursor!;
  });

  it('for another sort or order', async () => {
    await refusal(
      { sort: 'sentAt:desc', status: 'sent', cursor },
      /^cursor was made for sort=sentAt:asc, not sentAt:desc/
    );
    await refusal({ sort: 'recipient:asc', status: 'sent', cursor }, /made for sort=sentAt:asc/);
    await refusal({ status: 'sent', cursor }, /made for sort=sentAt:asc, not createdAt:asc/);
  });

  it('for another filter', async () => {
    await refusal({ sort: 'sentAt:asc', cursor }, /another status or q/);
    await refusal({ sort: 'sentAt:asc', status: 'sent,failed', cursor }, /another status or q/);
    await refusal({ sort: 'sentAt:asc', status: 'sent', q: 'x', cursor }, /another status or q/);
    // The same status repeated is the same filter, and lists each result once.
    const once = await list({ sort: 'sentAt:asc', status: 'sent', cursor });
    expect(once.data.length).toBeGreaterThan(0);
    expect(await list({ sort: 'sentAt:asc', status: 'sent, sent', cursor })).toEqual(once);
  });

  it('with a page', async () => {
    await refusal({ sort: 'sentAt:asc', status: 'sent', page: 2, cursor }, /cursor and page cannot both be given/);
  });

  it.each([
    ['garbage', 'not a cursor!'],
    ['NUL bytes', 'eyJrIjoi\u0000'],
    ['a huge string', 'A'.repeat(10_000)],
    ['base64url that is not JSON', Buffer.from('\u0000\u0001{').toString('base64url')],
    ['JSON that is not an object', forged([1, 2] as never)],
    ['a sort value of the wrong type', forged({ k: 'sentAt', o: 'asc', f: 'x', v: { $gt: 1 }, i: 1 })],
    ['a timestamp that is no date', forged({ k: 'sentAt', o: 'asc', f: 'x', v: '2026-02-30T10:00:00.000Z', i: 1 })],
    ['a timestamp PostgreSQL would not read', forged({ k: 'sentAt', o: 'asc', f: 'x', v: "1' OR 1=1", i: 1 })],
    ['text with a NUL byte', forged({ k: 'recipient', o: 'asc', f: 'x', v: 'a\u0000b', i: 1 })],
    ['an id that is no whole number', forged({ k: 'createdAt', o: 'asc', f: 'x', v: 1, i: 1e300 })],
    ['NULL for a column that has none', forged({ k: 'createdAt', o: 'asc', f: 'x', v: null, i: 1 })],
    ['an unknown sort', forged({ k: 'password', o: 'asc', f: 'x', v: 'a', i: 1 })],
    ['extra fields', forged({ k: 'createdAt', o: 'asc', f: 'x', v: 1, i: 1, sql: 'DROP' })],
  ])('that is %s', async (_what, value) => {
    await refusal({ cursor: value }, /^cursor /);
  });

  it('that is not a string', async () => {
    await refusal({ cursor: ['a', 'b'] }, /cursor must be a string/);
  });
});

describe('results made before results kept their sort values', () => {
  it('get the invoice number and customer code and name once, at boot', async () => {
    const { transformation, definition } = await seedSendingDefinition(app.strapi, {
      name: 'older',
      outputType: 'html',
    });
    const data = await seedBulkData(app.strapi, t, {
      name: 'older',
      invoiceCount: 6,
      transformationId: transformation.id,
      recipientKey: 'InvoiceEmail',
    });
    const older = await createRunOver(app.strapi, definition, data);
    const olderId = (await app.strapi.db.query(RUN_UID).findOne({ where: { documentId: older.documentId } })).id;
    const copied = () => copiedValues(olderId);
    const forget = () =>
      app.strapi.db
        .connection(t.results)
        .where('run_id', olderId)
        .update({ invoice_number: null, customer_code: null, customer_name: null });
    const runs = app.strapi.plugin('message-runs').service('runs');
    const marker = app.strapi.store({ type: 'plugin', name: 'message-runs', key: 'result-sort-values-copied' });

    // This database's boot already copied (nothing to copy then): a later boot does not scan again.
    expect(await marker.get()).toBe(true);
    await forget();
    await runs.copyResultSortValuesOnce();
    expect((await copied()).every((row) => row.customer_code === null)).toBe(true);

    // A database from before this version has no marker: its first boot copies them.
    await marker.delete();
    await runs.copyResultSortValuesOnce();
    const rows = await copied();
    expect(rows).toHaveLength(6);
    expect(rows).toEqual(
      rows.map((row) => ({
        ...row,
        invoice_number: row.number,
        customer_code: row.code,
        customer_name: row.name,
      }))
    );
    expect(await marker.get()).toBe(true);
  });
});
