import type { Response } from 'supertest';
import { startStrapi, type TestApp } from '../helpers/strapi';
import { createApiToken, loginAdminWithActions, loginSuperAdmin } from '../helpers/auth';
import type { Doc } from '../helpers/fixtures';
import type { CreateRun } from '../../src/plugins/message-runs/shared/contracts/runs';
import { outsideContract, runsApi, runWorld, type Definition, type RunsApi, type RunWorld } from '../helpers/runs';

/**
 * Who may call the plugin's routes (admin routes: admin JWT and the plugin's RBAC actions; content-API
 * routes: API tokens), who is recorded as a run's creator, and bad input refused with 400 naming the field.
 */

let app: TestApp;
let world: RunWorld;
let definition: Definition;
let cluster: Doc;
/** The content API with a full-access token: builds the runs the other callers act on. */
let full: RunsApi;

beforeAll(async () => {
  app = await startStrapi();
  world = runWorld(app.strapi);
  full = runsApi(app, await createApiToken(app.strapi, 'full-access'));
  definition = await world.definition();
  cluster = await world.make.cluster();
  await world.customerWithInvoice({ cluster, definition });
});
afterAll(() => app?.stop());

const criteria = () => world.criteria(definition, cluster);

/** Every route, called on a run of its own, and the admin action it needs. */
const ROUTES: {
  route: string;
  action: 'read' | 'manage';
  ok: number;
  call(api: RunsApi, runId: string): Promise<Response>;
}[] = [
  { route: 'GET /runs', action: 'read', ok: 200, call: (api) => api.list() },
  {
    route: 'POST /runs/preview',
    action: 'read',
    ok: 200,
    call: (api) => api.preview(criteria()),
  },
  {
    route: 'POST /runs',
    action: 'manage',
    ok: 201,
    call: (api) => api.create(criteria()),
  },
  {
    route: 'GET /runs/:id',
    action: 'read',
    ok: 200,
    call: (api, id) => api.get(id),
  },
  {
    route: 'DELETE /runs/:id',
    action: 'manage',
    ok: 200,
    call: (api, id) => api.delete(id),
  },
  {
    route: 'POST /runs/:id/start',
    action: 'manage',
    ok: 200,
    call: (api, id) => api.start(id),
  },
  {
    route: 'POST /runs/:id/stop',
    action: 'manage',
    ok: 409,
    call: (api, id) => api.stop(id),
  },
  {
    route: 'GET /runs/:id/results',
    action: 'read',
    ok: 200,
    call: (api, id) => api.results(id),
  },
  {
    route: 'GET /runs/:id/results/export',
    action: 'read',
    ok: 200,
    call: (api, id) => api.export(id),
  },
  {
    route: 'POST /runs/:id/results/resend',
    action: 'manage',
    ok: 200,
    call: (api, id) => api.resend(id, { status: ['queued'] }),
  },
  {
    route: 'POST /runs/:id/results/remove',
    action: 'manage',
    ok: 200,
    call: async (api, id) => api.remove(id, { ids: [(await full.allResults(id))[0].documentId] }),
  },
];
const table = (routes = ROUTES) => routes.map((route) => [route.route, route] as const);

async function callOnNewRun(api: RunsApi, { call }: (typeof ROUTES)[number]) {
  const run = await full.createRun(criteria());
  return { run, res: await call(api, run.documentId) };
}

describe.each([
  ['admin routes (/message-runs)', true],
  ['content-API routes (/api/message-runs)', false],
])('%s', (_name, admin) => {
  it.each(table())('%s answers 401 without a token', async (_route, route) => {
    const runsBefore = await world.count.runs();
    const { res } = await callOnNewRun(runsApi(app, undefined, { admin }), route);
    expect(res.status).toBe(401);
    expect(res.body.error).toMatchObject({
      status: 401,
      name: 'UnauthorizedError',
    });
    expect(await world.count.runs()).toBe(runsBefore + 1); // only the run made for the call
  });

  // "stop" of a created run is a 409: the caller got through to the handler.
  it.each(table())('%s answers with a full-access caller', async (_route, route) => {
    const token = admin ? await loginSuperAdmin(app) : await createApiToken(app.strapi, 'full-access');
    const { res } = await callOnNewRun(runsApi(app, token, { admin }), route);
    expect(res.status).toBe(route.ok);
  });

  it('records the admin who creates a run, and nobody for an API token', async () => {
    const token = admin ? await loginSuperAdmin(app) : await createApiToken(app.strapi, 'full-access');
    const res = await runsApi(app, token, { admin }).create(criteria());
    expect(res.status).toBe(201);
    expect(res.body.data.createdBy).toEqual(admin ? { firstname: 'Test', lastname: 'Admin' } : null);
    expect((await full.get(res.body.data.documentId)).body.data.createdBy).toEqual(res.body.data.createdBy);
  });
});

describe('an admin whose role may only read runs', () => {
  let reader: RunsApi;
  beforeAll(async () => {
    reader = runsApi(app, await loginAdminWithActions(app, ['plugin::message-runs.read']), { admin: true });
  });

  it.each(table())('%s', async (_route, route) => {
    const { run, res } = await callOnNewRun(reader, route);
    if (route.action === 'read') {
      expect(res.status).toBe(200);
    } else {
      expect(res.status).toBe(403);
      // Strapi's admin::hasPermissions policy refuses with a PolicyError.
      expect(res.body.error).toMatchObject({
        status: 403,
        name: 'PolicyError',
      });
      // Refused before the handler: the run is as it was.
      expect((await full.get(run.documentId)).body.data).toMatchObject({
        status: 'created',
        counts: { total: 1, queued: 1 },
      });
    }
  });
});

describe('a read-only API token', () => {
  let readOnly: RunsApi;
  beforeAll(async () => {
    readOnly = runsApi(app, await createApiToken(app.strapi, 'read-only'));
  });

  it.each(
    table(ROUTES.filter((route) => ['GET /runs', 'GET /runs/:id', 'GET /runs/:id/results'].includes(route.route)))
  )('%s answers 200', async (_route, route) => {
    expect((await callOnNewRun(readOnly, route)).res.status).toBe(200);
  });

  it.each(table(ROUTES.filter((route) => route.action === 'manage')))('%s answers 403', async (_route, route) => {
    const runsBefore = await world.count.runs();
    const { res } = await callOnNewRun(readOnly, route);
    expect(res.status).toBe(403);
    expect(await world.count.runs()).toBe(runsBefore + 1);
  });
});

describe('bad input answers 400 naming the field (404 for an unknown id)', () => {
  let runId: string;
  let resultId: string;
  const UNKNOWN_ID = 'z'.repeat(24);
  beforeAll(async () => {
    runId = (await full.createRun(criteria())).documentId;
    resultId = (await full.allResults(runId))[0].documentId;
  });

  const without = (field: string) => {
    const body: Record<string, unknown> = { ...criteria() };
    delete body[field];
    return outsideContract<CreateRun.Request['body']>(body);
  };
  const withField = (field: string, value: unknown) =>
    outsideContract<CreateRun.Request['body']>({ ...criteria(), [field]: value });

  const CASES: [string, () => Promise<Response>, number, RegExp, string?][] = [
    ['a malformed :id', () => full.get('abc'), 400, /^id must be a documentId/, 'id'],
    ['a malformed :id on results', () => full.results('abc'), 400, /^id must be a documentId/, 'id'],
    ['an unknown :id', () => full.get(UNKNOWN_ID), 404, new RegExp(`^No message run has documentId "${UNKNOWN_ID}"`)],
    ['an unknown :id on start', () => full.start(UNKNOWN_ID), 404, /^No message run/],
    ['an unknown :id on results', () => full.results(UNKNOWN_ID), 404, /^No message run/],
    ['a missing definition', () => full.create(without('definition')), 400, /definition is required/, 'definition'],
    ['a missing cluster', () => full.create(without('cluster')), 400, /cluster is required/, 'cluster'],
    [
      'an unknown definition',
      () => full.create(withField('definition', UNKNOWN_ID)),
      400,
      /^definition ".*" is not the documentId of a message definition/,
      'definition',
    ],
    [
      'an unknown cluster',
      () => full.preview(withField('cluster', UNKNOWN_ID)),
      400,
      /^cluster ".*" is not the documentId of a customer cluster/,
      'cluster',
    ],
    [
      'periodEnd before periodStart',
      () => full.create(withField('periodEnd', '2025-12-31')),
      400,
      /^periodEnd must not be before periodStart/,
      'periodEnd',
    ],
    [
      'a date that does not exist',
      () => full.create(withField('periodStart', '2026-02-30')),
      400,
      /^periodStart must be a date as YYYY-MM-DD/,
      'periodStart',
    ],
    [
      'a date in another format',
      () => full.create(withField('periodEnd', '01-02-2026')),
      400,
      /^periodEnd must be a date as YYYY-MM-DD/,
      'periodEnd',
    ],
    [
      'an invalid bcc address',
      () => full.create(withField('bcc', ['ok@example.com', 'nope'])),
      400,
      /^bcc holds "nope", which is not an email address/,
      'bcc',
    ],
    ['an unknown field', () => full.create(withField('colour', 'red')), 400, /unknown field: colour/],
    ['pageSize 201', () => full.results(runId, { pageSize: 201 }), 400, /^pageSize must be 200 or less/, 'pageSize'],
    [
      'status=bogus',
      () => full.results(runId, { status: 'bogus' }),
      400,
      /^status must be a comma-separated list/,
      'status',
    ],
    [
      'status=queued,bogus on export',
      () => full.export(runId, { status: 'queued,bogus' }),
      400,
      /^status must be a comma-separated list/,
      'status',
    ],
    [
      'an unknown sort key',
      () => full.results(runId, { sort: 'price:asc' }),
      400,
      /^sort must be <field>:asc or <field>:desc/,
      'sort',
    ],
    ['an unknown sort order', () => full.results(runId, { sort: 'status:up' }), 400, /^sort must be/, 'sort'],
    ['a runs page too large', () => full.list({ pageSize: 101 }), 400, /^pageSize must be 100 or less/, 'pageSize'],
    [
      'an unknown run status',
      () => full.list(outsideContract({ status: 'paused' })),
      400,
      /^status must be one of created, scheduled, running, stopped, completed/,
      'status',
    ],
    [
      'a resend with ids and status',
      () => full.resend(runId, { ids: [resultId], status: ['failed'] }),
      400,
      /give either ids or status, not both/,
    ],
    ['a resend with neither ids nor status', () => full.resend(runId, outsideContract({})), 400, /ids or status is required/],
    [
      'a resend of sending results',
      () => full.resend(runId, { status: ['sending'] }),
      400,
      /status cannot include sending/,
    ],
    [
      'a resend of a malformed id',
      () => full.resend(runId, { ids: ['abc'] }),
      400,
      /ids holds "abc", which is not a documentId/,
      'ids',
    ],
    ['a remove without ids', () => full.remove(runId, outsideContract({})), 400, /ids is required/, 'ids'],
  ];

  let runsBefore: number;
  beforeAll(async () => {
    runsBefore = await world.count.runs();
  });

  // As objects: a row shorter than the test's parameters would make jest wait for a `done` callback.
  it.each(CASES.map(([name, call, status, message, field]) => [name, { call, status, message, field }] as const))(
    '%s',
    async (_case, { call, status, message, field }) => {
      const res = await call();
      expect(res.status).toBe(status);
      expect(res.body).toEqual({
        data: null,
        error: {
          status,
          name: status === 404 ? 'NotFoundError' : 'ValidationError',
          message: expect.stringMatching(message),
          details: expect.any(Object),
        },
      });
      if (field) {
        expect(res.body.error.details.errors.map((error: { path: string[] }) => error.path[0])).toContain(field);
      }
    }
  );

  it('wrote nothing for them', async () => {
    expect(await world.count.runs()).toBe(runsBefore);
    expect((await full.get(runId)).body.data).toMatchObject({
      status: 'created',
      counts: { total: 1, queued: 1 },
    });
  });
});
