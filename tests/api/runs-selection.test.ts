import { startStrapi, type TestApp } from '../helpers/strapi';
import { createApiToken } from '../helpers/auth';
import { UIDS, type Doc } from '../helpers/fixtures';
import {
  PERIOD,
  RESULT_UID,
  runsApi,
  runWorld,
  type Address,
  type Definition,
  type Documents,
  type RunsApi,
  type RunWorld,
} from '../helpers/runs';

/**
 * Which invoices a run selects (cluster tree, period bounds), why a result is skipped, the preview
 * that counts the same without writing, run creation, and results written by the plugin's SQL as the
 * Document Service reads them.
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

const invoiceIds = (results: Record<string, any>[]) => results.map((result) => result.invoice.documentId).sort();
const ids = (docs: Doc[]) => docs.map((doc) => doc.documentId).sort();

describe('selection', () => {
  type Level = 'root' | 'a' | 'a1' | 'a1a';
  let tree: Record<Level, Doc>;
  const invoicesOf = {} as Record<Level, Doc[]>;

  beforeAll(async () => {
    tree = await world.clusterTree();
    for (const level of Object.keys(tree) as Level[]) {
      const { invoice } = await world.customerWithInvoice({
        cluster: tree[level],
        definition,
      });
      invoicesOf[level] = [invoice];
    }
  });

  it.each<[Level, boolean, Level[]]>([
    ['root', false, ['root']],
    ['root', true, ['root', 'a', 'a1', 'a1a']],
    ['a', false, ['a']],
    ['a1', true, ['a1', 'a1a']],
    ['a1a', true, ['a1a']],
  ])('a run on %s with includeChildren %s selects the invoices of %j', async (level, includeChildren, levels) => {
    const run = await api.createRun(world.criteria(definition, tree[level], { includeChildren }));
    expect(run.includeChildren).toBe(includeChildren);
    expect(run.counts).toMatchObject({
      total: levels.length,
      queued: levels.length,
      skipped: 0,
    });
    expect(invoiceIds(await api.allResults(run.documentId))).toEqual(ids(levels.flatMap((l) => invoicesOf[l])));
  });

  it('takes invoices whose billing period lies inside the run period, bounds inclusive', async () => {
    const cluster = await world.make.cluster();
    const customer = await world.customer({ cluster });
    const invoice = (periodStart: string, periodEnd: string) =>
      world.invoice({ definition, customer, periodStart, periodEnd });
    const inside = [
      await invoice('2026-01-01', '2026-01-31'), // exactly the run's bounds
      await invoice('2026-01-01', '2026-01-01'), // on the first day
      await invoice('2026-01-31', '2026-01-31'), // on the last day
      await invoice('2026-01-10', '2026-01-20'),
    ];
    await invoice('2025-12-31', '2026-01-30'); // starts a day before periodStart
    await invoice('2026-01-02', '2026-02-01'); // ends a day after periodEnd
    await invoice('2025-12-01', '2026-02-28'); // around the whole period

    const run = await api.createRun(world.criteria(definition, cluster));
    expect(run.counts.total).toBe(inside.length);
    expect(invoiceIds(await api.allResults(run.documentId))).toEqual(ids(inside));
  });
});

describe('skip reasons', () => {
  const CASES: {
    name: string;
    address: Address;
    documents: Documents;
    status: string;
    reason: string | null;
  }[] = [
    {
      name: 'an address under the recipient key and a current document',
      address: 'recipient',
      documents: 'current',
      status: 'queued',
      reason: null,
    },
    {
      name: 'no address at all',
      address: 'none',
      documents: 'current',
      status: 'skipped',
      reason: 'no-recipient',
    },
    {
      name: 'an address only under another key',
      address: 'other-key',
      documents: 'current',
      status: 'skipped',
      reason: 'no-recipient',
    },
    {
      name: 'no transformation result',
      address: 'recipient',
      documents: 'none',
      status: 'skipped',
      reason: 'no-transformation-result',
    },
    {
      name: 'only an out-of-date transformation result',
      address: 'recipient',
      documents: 'out-of-date',
      status: 'skipped',
      reason: 'no-transformation-result',
    },
    {
      name: 'only a result of a transformation not in the definition',
      address: 'recipient',
      documents: 'other-transformation',
      status: 'skipped',
      reason: 'no-transformation-result',
    },
  ];
  let cluster: Doc;
  const built: { customer: Doc; invoice: Doc }[] = [];
  let preview: Record<string, any>;
  let run: Record<string, any>;
  let results: Record<string, any>[];
  let before: { runs: number; results: number };

  beforeAll(async () => {
    cluster = await world.make.cluster();
    for (const { address, documents } of CASES)
      built.push(
        await world.customerWithInvoice({
          cluster,
          definition,
          address,
          documents,
        })
      );
    before = {
      runs: await world.count.runs(),
      results: await world.count.results(),
    };
    const res = await api.preview(world.criteria(definition, cluster));
    expect(res.status).toBe(200);
    preview = res.body.data;
    run = await api.createRun(world.criteria(definition, cluster));
    results = await api.allResults(run.documentId);
  });

  it.each(CASES.map((c, i) => [c.name, i] as const))('a customer with %s', (_name, i) => {
    const { status, reason, address } = CASES[i];
    const result = results.find((r) => r.invoice.documentId === built[i].invoice.documentId);
    expect(result).toMatchObject({
      status,
      reason,
      customer: { documentId: built[i].customer.documentId },
      // The recipient is the address under the definition's key, kept even when the invoice is skipped.
      recipient: address === 'recipient' ? `${built[i].customer.code.toLowerCase()}@example.com` : null,
    });
  });

  it('counts them in the run', () => {
    expect(run.counts).toEqual({
      total: 6,
      queued: 1,
      sending: 0,
      sent: 0,
      retrying: 0,
      failed: 0,
      skipped: 5,
      bounced: 0,
      complained: 0,
    });
  });

  it('the preview counts the same, and writes nothing', async () => {
    expect(preview).toEqual({
      total: 6,
      eligible: 1,
      skipped: { 'already-sent': 0, 'no-recipient': 2, suppressed: 0, 'no-transformation-result': 3 },
      languages: { default: 1 },
    });
    expect(preview.total).toBe(run.counts.total);
    expect(preview.eligible).toBe(run.counts.queued);
    // The preview was taken before the run was created: only the run and its results were written.
    expect(await world.count.runs()).toBe(before.runs + 1);
    expect(await world.count.results()).toBe(before.results + 6);
    await api.preview(world.criteria(definition, cluster, { includeChildren: true }));
    expect(await world.count.runs()).toBe(before.runs + 1);
    expect(await world.count.results()).toBe(before.results + 6);
  });
});

describe('creation', () => {
  let cluster: Doc;
  beforeAll(async () => {
    cluster = await world.make.cluster();
    await world.customerWithInvoice({ cluster, definition });
    await world.customerWithInvoice({ cluster, definition, address: 'none' });
  });

  it('answers 201 with the Run and a message', async () => {
    const res = await api.create(world.criteria(definition, cluster, { bcc: ['audit@example.com'] }));
    expect(res.status).toBe(201);
    expect(res.body).toEqual({
      data: {
        documentId: expect.stringMatching(/^[a-z0-9]{24}$/),
        status: 'created',
        definition: {
          documentId: definition.documentId,
          name: definition.name,
        },
        cluster: { documentId: cluster.documentId, name: cluster.name },
        includeChildren: false,
        includeAlreadySent: false,
        scheduledAt: null,
        timeZone: null,
        notAfter: null,
        ...PERIOD,
        bcc: ['audit@example.com'],
        counts: {
          total: 2,
          queued: 1,
          sending: 0,
          sent: 0,
          retrying: 0,
          failed: 0,
          skipped: 1,
          bounced: 0,
          complained: 0,
        },
        createdAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
        createdBy: null,
        startedAt: null,
        stoppedAt: null,
        completedAt: null,
        stopReason: null,
        lastError: null,
      },
      meta: { message: 'The run holds 2 results: 1 queued, 1 skipped.' },
    });
    expect((await api.get(res.body.data.documentId)).body).toEqual({
      data: res.body.data,
    });
  });

  it('creates a run with no results when nothing matches, and says so', async () => {
    const res = await api.create(
      world.criteria(definition, cluster, {
        periodStart: '2030-01-01',
        periodEnd: '2030-12-31',
      })
    );
    expect(res.status).toBe(201);
    expect(res.body.data.counts.total).toBe(0);
    expect(res.body.meta.message).toBe('No invoice matched the cluster and period: the run has no results.');
    expect(await world.count.resultsOfRun(res.body.data.documentId)).toBe(0);
  });

  it('keeps each Bcc address once, compared without case', async () => {
    const bcc = [
      'audit@example.com',
      'Audit@Example.com',
      ' copy@example.com ',
      'AUDIT@EXAMPLE.COM',
      'copy@example.com',
    ];
    const run = await api.createRun(world.criteria(definition, cluster, { bcc }));
    expect(run.bcc).toEqual(['audit@example.com', 'copy@example.com']);
  });

  it('refuses an invalid Bcc address, naming bcc', async () => {
    const res = await api.create(
      world.criteria(definition, cluster, {
        bcc: ['audit@example.com', 'not-an-address'],
      })
    );
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({
      status: 400,
      name: 'ValidationError',
      message: expect.stringContaining('bcc'),
    });
  });

  it('freezes the definition: editing it later changes neither the run nor a resend', async () => {
    const own = await world.definition();
    const customer = await world.customer({
      cluster: await world.make.cluster(),
    });
    await world.invoice({ definition: own, customer });
    const run = await api.createRun(world.criteria(own, { documentId: customer.cluster.documentId } as Doc));
    const [result] = await api.allResults(run.documentId);
    expect(result).toMatchObject({
      status: 'queued',
      recipient: `${customer.code.toLowerCase()}@example.com`,
    });

    await app.strapi.documents(UIDS.definition).update({
      documentId: own.documentId,
      data: {
        name: `${own.name} (edited)`,
        recipientKey: 'other',
        subjectTemplate: 'Edited {{invoice.label}}',
      } as any,
    });

    expect((await api.get(run.documentId)).body.data.definition).toEqual({
      documentId: own.documentId,
      name: own.name,
    });
    const resend = await api.resend(run.documentId, {
      ids: [result.documentId],
    });
    expect(resend.body.data).toEqual({ requeued: 1, skipped: 0, suppressed: 0, inFlight: 0 });
    // Still the address under the old key, not `other-…` under the new one.
    const [after] = await api.allResults(run.documentId);
    expect(after).toMatchObject({
      status: 'queued',
      reason: null,
      recipient: result.recipient,
    });
  });
});

describe('results written by the plugin, read through the Document Service', () => {
  let run: Record<string, any>;
  let built: { customer: Doc; invoice: Doc }[];

  beforeAll(async () => {
    const cluster = await world.make.cluster();
    built = [
      await world.customerWithInvoice({ cluster, definition }),
      await world.customerWithInvoice({ cluster, definition, address: 'none' }),
    ];
    run = await api.createRun(world.criteria(definition, cluster));
  });

  // Results refer to their run, invoice and customer by row id (plain columns, see the schema).
  const findResults = async () => {
    const runRow = await app.strapi.db
      .query('plugin::message-runs.message-run')
      .findOne({ where: { documentId: run.documentId } });
    return (await app.strapi.documents(RESULT_UID as any).findMany({
      filters: { runId: runRow.id },
    } as any)) as Record<string, any>[];
  };

  it('reads back the same results, with the ids of their run, invoice and customer', async () => {
    const listed = await api.allResults(run.documentId);
    const found = await findResults();
    expect(found).toHaveLength(2);
    const runRow = await app.strapi.db
      .query('plugin::message-runs.message-run')
      .findOne({ where: { documentId: run.documentId } });
    for (const result of listed) {
      const doc = found.find((d) => d.documentId === result.documentId)!;
      const invoice = await app.strapi.documents(UIDS.invoice).findOne({ documentId: result.invoice!.documentId });
      const customer = await app.strapi.documents(UIDS.customer).findOne({ documentId: result.customer!.documentId });
      expect(doc).toMatchObject({
        status: result.status,
        reason: result.reason,
        recipient: result.recipient,
        attempts: 0,
        createdAt: run.createdAt,
        updatedAt: run.createdAt,
        publishedAt: run.createdAt,
        runId: runRow.id,
        invoiceId: invoice!.id,
        customerId: customer!.id,
      });
    }
    expect(found.map((d) => d.customerId).sort()).toEqual(built.map((b) => b.customer.id).sort());
  });

  it('has the shape of a result the Document Service creates', async () => {
    const sqlResult = (await findResults()).find((d) => d.status === 'queued')!;
    const created = (await app.strapi.documents(RESULT_UID as any).create({
      data: {
        runId: sqlResult.runId,
        invoiceId: sqlResult.invoiceId,
        customerId: sqlResult.customerId,
        invoiceNumber: sqlResult.invoiceNumber,
        customerCode: sqlResult.customerCode,
        customerName: sqlResult.customerName,
        status: 'queued',
        recipient: 'x@example.com',
        recipientName: 'X',
        attempts: 0,
      },
    } as any)) as Record<string, any>;
    try {
      const typeOf = (value: unknown) => (value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value);
      const shape = (doc: Record<string, any>) =>
        Object.fromEntries(
          Object.keys(doc)
            .sort()
            .map((key) => [key, typeOf(doc[key])])
        );
      expect(shape(sqlResult)).toEqual(shape(created));
      expect(sqlResult.documentId).toMatch(/^[a-z0-9]{24}$/);
    } finally {
      await app.strapi.documents(RESULT_UID as any).delete({ documentId: created.documentId });
    }
  });
});
