import type { Core } from '@strapi/strapi';
import type { TestApp } from './strapi';
import { fixtures, unique, UIDS, type Doc } from './fixtures';

/**
 * The world a message run reads (DESIGN.md §3), built through the Document Service, and a client of
 * the plugin's routes.
 *
 *   const world = runWorld(app.strapi);
 *   const definition = await world.definition();
 *   const cluster = await world.make.cluster();
 *   const { invoice } = await world.invoice({ cluster, definition });   // eligible
 *   const res = await runsApi(app, token).create(world.criteria(definition, cluster));
 */

export const RESULT_UID = 'plugin::message-runs.message-result';
export const RUN_UID = 'plugin::message-runs.message-run';

/** The definition's recipient key, and the run period every builder defaults to. */
export const RECIPIENT_KEY = 'InvoiceEmail';
export const PERIOD = { periodStart: '2026-01-01', periodEnd: '2026-01-31' };

/** Where the customer's email address is: under the recipient key, only under another key, or nowhere. */
export type Address = 'recipient' | 'other-key' | 'none';
/**
 * The invoice's transformation results: a current one of the definition's transformation, only an
 * out-of-date one, only one of a transformation the definition does not attach, or none.
 */
export type Documents = 'current' | 'out-of-date' | 'other-transformation' | 'none';

export interface Definition extends Doc {
  /** the transformation the definition attaches */
  transformation: Doc;
}

export function runWorld(strapi: Core.Strapi) {
  const make = fixtures(strapi);
  let otherTransformation: Doc | undefined;

  const world = {
    make,

    /** A definition to RECIPIENT_KEY attaching one new transformation. */
    async definition(overrides: Record<string, unknown> = {}): Promise<Definition> {
      const transformation = await make.transformation();
      const definition = await make.definition({
        recipientKey: RECIPIENT_KEY,
        invoiceTransformations: [transformation.documentId],
        ...overrides,
      });
      return Object.assign(definition, { transformation });
    },

    /** root → A → A1 → A1a */
    async clusterTree() {
      const root = await make.cluster({ name: unique('Root') });
      const a = await make.cluster({
        name: unique('A'),
        parent: root.documentId,
      });
      const a1 = await make.cluster({
        name: unique('A1'),
        parent: a.documentId,
      });
      const a1a = await make.cluster({
        name: unique('A1a'),
        parent: a1.documentId,
      });
      return { root, a, a1, a1a };
    },

    /** A customer of the cluster whose address (`<code>@example.com`) is where `address` says. */
    async customer({
      cluster,
      address = 'recipient',
      ...overrides
    }: { cluster: Doc; address?: Address } & Record<string, unknown>) {
      const code = (overrides.code as string) ?? unique('C');
      const email = `${code.toLowerCase()}@example.com`;
      const emailAddresses = {
        recipient: [
          {
            key: RECIPIENT_KEY,
            address: email,
            displayName: `Billing ${code}`,
          },
          { key: 'other', address: `other-${email}` },
        ],
        'other-key': [{ key: 'other', address: email }],
        none: [],
      }[address];
      return make.customer({
        code,
        name: `Customer ${code}`,
        cluster: cluster.documentId,
        emailAddresses,
        ...overrides,
      });
    },

    /** An invoice in PERIOD (unless overridden) with the transformation results `documents` says. */
    async invoice({
      definition,
      customer,
      documents = 'current',
      ...overrides
    }: {
      definition: Definition;
      customer: Doc;
      documents?: Documents;
    } & Record<string, unknown>) {
      const invoice = await make.invoice({
        customer: customer.documentId,
        ...PERIOD,
        ...overrides,
      });
      if (documents !== 'none') {
        otherTransformation ??= await make.transformation();
        const transformation = documents === 'other-transformation' ? otherTransformation : definition.transformation;
        await make.transformationResult({
          invoice: invoice.documentId,
          transformation: transformation.documentId,
          isOutOfDate: documents === 'out-of-date',
        });
      }
      return invoice;
    },

    /** A customer of the cluster with one invoice; eligible unless `address` or `documents` says otherwise. */
    async customerWithInvoice(options: {
      cluster: Doc;
      definition: Definition;
      address?: Address;
      documents?: Documents;
      customer?: Record<string, unknown>;
      invoice?: Record<string, unknown>;
    }) {
      const customer = await world.customer({
        cluster: options.cluster,
        address: options.address,
        ...options.customer,
      });
      const invoice = await world.invoice({
        definition: options.definition,
        customer,
        documents: options.documents,
        ...options.invoice,
      });
      return { customer, invoice };
    },

    /** The body of POST /runs. */
    criteria(definition: Doc, cluster: Doc, overrides: Record<string, unknown> = {}) {
      return {
        definition: definition.documentId,
        cluster: cluster.documentId,
        includeChildren: false,
        ...PERIOD,
        bcc: [],
        ...overrides,
      };
    },

    /** Rows in the plugin's tables, counted through the Query Engine. */
    count: {
      runs: () => strapi.db.query(RUN_UID).count({}),
      results: (where: Record<string, unknown> = {}) => strapi.db.query(RESULT_UID).count({ where }),
      /** The results of a run, which refer to it by its row id. */
      resultsOfRun: async (runDocumentId: string) => {
        const run = await strapi.db.query(RUN_UID).findOne({ where: { documentId: runDocumentId } });
        return strapi.db.query(RESULT_UID).count({ where: { runId: run.id } });
      },
    },

    /** Simulates the delivery machinery: sets results' columns directly. */
    setResults: (documentIds: string[], data: Record<string, unknown>) =>
      strapi.db.query(RESULT_UID).updateMany({ where: { documentId: { $in: documentIds } }, data }),

    setAddresses: (customer: Doc, emailAddresses: Record<string, unknown>[]) =>
      strapi.documents(UIDS.customer).update({
        documentId: customer.documentId,
        data: { emailAddresses } as any,
      }),
  };
  return world;
}

export type RunWorld = ReturnType<typeof runWorld>;

/**
 * The plugin's routes, on the content API (`/api/message-runs`, API token) or the admin API
 * (`/message-runs`, admin JWT). A missing token sends no Authorization header.
 */
export function runsApi(app: TestApp, token?: string, { admin = false } = {}) {
  const base = admin ? '/message-runs' : '/api/message-runs';
  const authorize = (req: any) => (token ? req.set('Authorization', `Bearer ${token}`) : req);
  const get = (path: string, query: Record<string, unknown> = {}) =>
    authorize(
      app
        .http()
        .get(base + path)
        .query(query)
    );
  const post = (path: string, body?: unknown) =>
    authorize(
      app
        .http()
        .post(base + path)
        .send(body as object)
    );

  return {
    list: (query: Record<string, unknown> = {}) => get('/runs', query),
    preview: (body: unknown) => post('/runs/preview', body),
    create: (body: unknown) => post('/runs', body),
    get: (id: string) => get(`/runs/${id}`),
    delete: (id: string) => authorize(app.http().delete(`${base}/runs/${id}`)),
    start: (id: string) => post(`/runs/${id}/start`),
    stop: (id: string) => post(`/runs/${id}/stop`),
    schedule: (id: string, body: unknown) => post(`/runs/${id}/schedule`, body),
    results: (id: string, query: Record<string, unknown> = {}) => get(`/runs/${id}/results`, query),
    resend: (id: string, body: unknown) => post(`/runs/${id}/results/resend`, body),
    remove: (id: string, body: unknown) => post(`/runs/${id}/results/remove`, body),
    export: (id: string, query: Record<string, unknown> = {}) => get(`/runs/${id}/results/export`, query),
    runEvents: (id: string) => get(`/runs/${id}/events`),
    resultEvents: (id: string) => get(`/results/${id}/events`),
    resultPreview: (id: string) => get(`/results/${id}/preview`),
    testSend: (id: string, body: unknown) => post(`/results/${id}/test-send`, body),

    /** Creates a run, failing loudly unless it is created; returns the Run. */
    async createRun(body: unknown) {
      const res = await post('/runs', body);
      if (res.status !== 201) throw new Error(`run not created: ${res.status} ${JSON.stringify(res.body)}`);
      return res.body.data as Record<string, any>;
    },

    /** Every result of a run (up to 200), in list order. */
    async allResults(id: string, query: Record<string, unknown> = {}) {
      const res = await get(`/runs/${id}/results`, { pageSize: 200, ...query });
      if (res.status !== 200) throw new Error(`results not listed: ${res.status} ${JSON.stringify(res.body)}`);
      return res.body.data as Record<string, any>[];
    },
  };
}

export type RunsApi = ReturnType<typeof runsApi>;
