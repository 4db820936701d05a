import { startStrapi, type TestApp } from '../helpers/strapi';
import { createApiToken } from '../helpers/auth';
import type { Doc } from '../helpers/fixtures';
import { outsideContract, runsApi, runWorld, type Definition, type RunsApi, type RunWorld } from '../helpers/runs';

/**
 * The duplicate guard across runs (DESIGN.md §3): an invoice that a run of the same definition already
 * sent (`sent`, `bounced`, `complained`) is skipped `already-sent`, in the preview and in the new run,
 * unless the run is created with `includeAlreadySent`.
 */

let app: TestApp;
let world: RunWorld;
let api: RunsApi;

beforeAll(async () => {
  app = await startStrapi();
  world = runWorld(app.strapi);
  api = runsApi(app, await createApiToken(app.strapi));
});
afterAll(() => app?.stop());

/** A cluster with `n` eligible invoices of the definition, each of its own customer. */
async function clusterWithInvoices(definition: Definition, n: number) {
  const cluster = await world.make.cluster();
  const invoices: Doc[] = [];
  for (let i = 0; i < n; i++) invoices.push((await world.customerWithInvoice({ cluster, definition })).invoice);
  return { cluster, invoices };
}

/** A first run over the cluster whose results of the given invoices get the given statuses. */
async function earlierRun(definition: Definition, cluster: Doc, statusOf: Map<string, string>) {
  const run = await api.createRun(world.criteria(definition, cluster));
  for (const result of await api.allResults(run.documentId)) {
    const status = statusOf.get(result.invoice!.documentId);
    if (status) await world.setResults([result.documentId], { status, sentAt: new Date() });
  }
  return run;
}

const reasonsByInvoice = async (runDocumentId: string) =>
  Object.fromEntries(
    (await api.allResults(runDocumentId)).map((result) => [
      result.invoice!.documentId,
      `${result.status}${result.reason ? `/${result.reason}` : ''}`,
    ])
  );

describe('an invoice another run of the definition sent', () => {
  let definition: Definition;
  let cluster: Doc;
  let invoices: Doc[];

  beforeAll(async () => {
    definition = await world.definition();
    ({ cluster, invoices } = await clusterWithInvoices(definition, 7));
    // sent, bounced and complained went out; failed, skipped, retrying and queued did not.
    const statuses = ['sent', 'bounced', 'complained', 'failed', 'skipped', 'retrying'];
    await earlierRun(definition, cluster, new Map(statuses.map((status, i) => [invoices[i].documentId, status])));
  });

  it('is counted under skipped.already-sent in the preview', async () => {
    const res = await api.preview(world.criteria(definition, cluster));
    expect(res.status).toBe(200);
    expect(res.body.data).toEqual({
      total: 7,
      eligible: 4,
      skipped: { 'already-sent': 3, 'no-recipient': 0, suppressed: 0, 'no-transformation-result': 0 },
      languages: { default: 4 },
    });
  });

  it('is skipped already-sent by a new run; the others are queued', async () => {
    const run = await api.createRun(world.criteria(definition, cluster));
    expect(run.includeAlreadySent).toBe(false);
    expect(run.counts).toMatchObject({ total: 7, queued: 4, skipped: 3 });
    const byInvoice = await reasonsByInvoice(run.documentId);
    expect(invoices.map((invoice) => byInvoice[invoice.documentId])).toEqual([
      'skipped/already-sent',
      'skipped/already-sent',
      'skipped/already-sent',
      'queued',
      'queued',
      'queued',
      'queued',
    ]);
  });

  it('is taken again by a run with includeAlreadySent, which keeps the switch', async () => {
    const criteria = world.criteria(definition, cluster, { includeAlreadySent: true });
    const preview = await api.preview(criteria);
    expect(preview.body.data).toMatchObject({ total: 7, eligible: 7, skipped: { 'already-sent': 0 } });
    const run = await api.createRun(criteria);
    expect(run.includeAlreadySent).toBe(true);
    expect(run.counts).toMatchObject({ total: 7, queued: 7, skipped: 0 });
    expect((await api.get(run.documentId)).body.data.includeAlreadySent).toBe(true);
  });

  it('is not skipped by a run of another definition', async () => {
    const other = await world.definition({ invoiceTransformations: [definition.transformation.documentId] });
    const preview = await api.preview(world.criteria(other, cluster));
    expect(preview.body.data).toMatchObject({ total: 7, eligible: 7, skipped: { 'already-sent': 0 } });
    const run = await api.createRun(world.criteria(other, cluster));
    expect(run.counts).toMatchObject({ total: 7, queued: 7, skipped: 0 });
  });
});

describe('the reason among the others', () => {
  it('comes before the invoice’s other skip reasons: the customer has it already', async () => {
    const definition = await world.definition();
    const cluster = await world.make.cluster();
    const { customer, invoice } = await world.customerWithInvoice({ cluster, definition });
    await earlierRun(definition, cluster, new Map([[invoice.documentId, 'sent']]));
    // The customer's address under the recipient key has gone since.
    await world.setAddresses(customer, [{ key: 'other', address: 'other@example.com' }]);
    const run = await api.createRun(world.criteria(definition, cluster));
    expect(await reasonsByInvoice(run.documentId)).toEqual({ [invoice.documentId]: 'skipped/already-sent' });
    const again = await api.createRun(world.criteria(definition, cluster, { includeAlreadySent: true }));
    expect(await reasonsByInvoice(again.documentId)).toEqual({ [invoice.documentId]: 'skipped/no-recipient' });
  });
});

describe('validation', () => {
  it('refuses an includeAlreadySent that is not a boolean, naming it', async () => {
    const definition = await world.definition();
    const cluster = await world.make.cluster();
    const res = await api.create(world.criteria(definition, cluster, outsideContract({ includeAlreadySent: 'perhaps' })));
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ status: 400, message: expect.stringContaining('includeAlreadySent') });
  });
});
