import type { Core } from '@strapi/strapi';
import type { Response, Test } from 'supertest';
import type { GetResultEvents, GetRunEvents } from '../../src/plugins/message-runs/shared/contracts/events';
import type {
  GetResults,
  PreviewResult,
  RemoveResults,
  ResendResults,
  Result,
  TestSendResult,
} from '../../src/plugins/message-runs/shared/contracts/results';
import type {
  CreateRun,
  DeleteRun,
  GetRun,
  GetRuns,
  PreviewRun,
  Run,
  ScheduleRun,
  RecountRun,
  TransitionRun,
} from '../../src/plugins/message-runs/shared/contracts/runs';
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
    criteria(
      definition: Doc,
      cluster: Doc,
      overrides: Partial<CreateRun.Request['body']> = {}
    ): CreateRun.Request['body'] {
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
        data: { emailAddresses } as never, // the input type names no field without generated types
      }),
  };
  return world;
}

export type RunWorld = ReturnType<typeof runWorld>;

/** Strapi's error answer: `{ data: null, error }`. */
export interface ApiError {
  status: number;
  name: string;
  message: string;
  details: { errors?: { path: string[]; message: string; name: string }[] } & Record<string, unknown>;
}

/**
 * A route's answer, typed by its contract: the contract's body when it succeeds, Strapi's `error`
 * (with `data: null`) when it refuses. A test reads the one its status says, as a client does.
 */
export type ApiResponse<Body> = Omit<Response, 'body'> & { body: Body & { error: ApiError } };

/** A supertest request whose answer is typed by the route's contract; headers and supertest's options keep it. */
export type ApiRequest<Body> = Omit<Test, 'then' | 'catch' | 'finally' | 'set' | 'timeout'> &
  Promise<ApiResponse<Body>> & {
    set(field: string, value: string): ApiRequest<Body>;
    timeout(ms: number): ApiRequest<Body>;
  };

/**
 * A body or query that the route's contract does not allow, sent as it is: for the tests of what a
 * route refuses (`api.create(outsideContract({ colour: 'red' }))`).
 */
export const outsideContract = <Allowed>(value: unknown) => value as Allowed;

/** The route's contract for a supertest request (supertest types every answer's body as any). */
const typed = <Body>(request: Test) => request as unknown as ApiRequest<Body>;

/**
 * The plugin's routes, on the content API (`/api/message-runs`, API token) or the admin API
 * (`/message-runs`, admin JWT), with the shared contracts' request and response types: a changed
 * contract fails to compile here or in the tests that use it. A missing token sends no Authorization
 * header. `getAny` and `postAny` send anything anywhere, for the tests of what the routes refuse.
 */
export function runsApi(app: TestApp, token?: string, { admin = false } = {}) {
  const base = admin ? '/message-runs' : '/api/message-runs';
  const authorize = (req: Test) => (token ? req.set('Authorization', `Bearer ${token}`) : req);
  const get = <Body = unknown>(path: string, query: object = {}) =>
    typed<Body>(
      authorize(
        app
          .http()
          .get(base + path)
          .query(query)
      )
    );
  const post = <Body = unknown>(path: string, body?: unknown) =>
    typed<Body>(
      authorize(
        app
          .http()
          .post(base + path)
          .send(body as object)
      )
    );

  return {
    getAny: get,
    postAny: post,
    list: (query: GetRuns.Request['query'] = {}) => get<GetRuns.Response>('/runs', query),
    preview: (body: PreviewRun.Request['body']) => post<PreviewRun.Response>('/runs/preview', body),
    create: (body: CreateRun.Request['body']) => post<CreateRun.Response>('/runs', body),
    get: (id: string) => get<GetRun.Response>(`/runs/${id}`),
    delete: (id: string) => typed<DeleteRun.Response>(authorize(app.http().delete(`${base}/runs/${id}`))),
    start: (id: string) => post<TransitionRun.Response>(`/runs/${id}/start`),
    stop: (id: string) => post<TransitionRun.Response>(`/runs/${id}/stop`),
    recount: (id: string) => post<RecountRun.Response>(`/runs/${id}/recount`),
    schedule: (id: string, body: ScheduleRun.Request['body']) =>
      post<ScheduleRun.Response>(`/runs/${id}/schedule`, body),
    results: (id: string, query: GetResults.Request['query'] = {}) =>
      get<GetResults.Response>(`/runs/${id}/results`, query),
    resend: (id: string, body: ResendResults.Request['body']) =>
      post<ResendResults.Response>(`/runs/${id}/results/resend`, body),
    remove: (id: string, body: RemoveResults.Request['body']) =>
      post<RemoveResults.Response>(`/runs/${id}/results/remove`, body),
    /** The CSV: its text is `res.text`. */
    export: (id: string, query: GetResults.Request['query'] = {}) => get<unknown>(`/runs/${id}/results/export`, query),
    runEvents: (id: string) => get<GetRunEvents.Response>(`/runs/${id}/events`),
    resultEvents: (id: string) => get<GetResultEvents.Response>(`/results/${id}/events`),
    resultPreview: (id: string) => get<PreviewResult.Response>(`/results/${id}/preview`),
    testSend: (id: string, body: TestSendResult.Request['body']) =>
      post<TestSendResult.Response>(`/results/${id}/test-send`, body),

    /** Creates a run, failing loudly unless it is created; returns the Run. */
    async createRun(body: CreateRun.Request['body']): Promise<Run> {
      const res = await post<CreateRun.Response>('/runs', body);
      if (res.status !== 201) throw new Error(`run not created: ${res.status} ${JSON.stringify(res.body)}`);
      return res.body.data;
    },

    /** Every result of a run (up to 200), in list order. */
    async allResults(id: string, query: GetResults.Request['query'] = {}): Promise<Result[]> {
      const res = await get<GetResults.Response>(`/runs/${id}/results`, { pageSize: 200, ...query });
      if (res.status !== 200) throw new Error(`results not listed: ${res.status} ${JSON.stringify(res.body)}`);
      return res.body.data;
    },
  };
}

export type RunsApi = ReturnType<typeof runsApi>;
