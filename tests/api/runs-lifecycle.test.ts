import { startStrapi, type TestApp } from '../helpers/strapi';
import { createApiToken } from '../helpers/auth';
import type { Doc } from '../helpers/fixtures';
import { runsApi, runWorld, type Definition, type RunsApi, type RunWorld } from '../helpers/runs';

/**
 * A run's transitions (DESIGN.md §3): created → running ⇄ stopped, running → completed when nothing
 * is left to send, no-ops where the run already is, 409 in Strapi's error shape where it cannot go;
 * deleting a run that is not running, with its results; a resend reopening a completed run.
 */

let app: TestApp;
let world: RunWorld;
let api: RunsApi;
let definition: Definition;
/** A cluster with one eligible invoice, and one whose only customer has no address (all skipped). */
let sendable: Doc;
let allSkipped: Doc;

beforeAll(async () => {
  app = await startStrapi();
  world = runWorld(app.strapi);
  api = runsApi(app, await createApiToken(app.strapi));
  definition = await world.definition();
  sendable = await world.make.cluster();
  await world.customerWithInvoice({ cluster: sendable, definition });
  await world.customerWithInvoice({
    cluster: sendable,
    definition,
    address: 'none',
  });
  allSkipped = await world.make.cluster();
  await world.customerWithInvoice({
    cluster: allSkipped,
    definition,
    address: 'none',
  });
});
afterAll(() => app?.stop());

type State = 'created' | 'running' | 'stopped' | 'completed';

/** A new run brought to the given state through the routes. */
async function runIn(state: State) {
  const run = await api.createRun(world.criteria(definition, state === 'completed' ? allSkipped : sendable));
  const actions = {
    created: [],
    running: ['start'],
    stopped: ['start', 'stop'],
    completed: ['start'],
  }[state];
  for (const action of actions) {
    const res = await (action === 'start' ? api.start : api.stop)(run.documentId);
    expect(res.status).toBe(200);
  }
  const { body } = await api.get(run.documentId);
  expect(body.data.status).toBe(state);
  return body.data as Record<string, any>;
}

const ISO = expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);

describe('transitions', () => {
  it('start sets startedAt; stop sets stoppedAt; start again resumes, keeping the first startedAt', async () => {
    const run = await runIn('created');
    expect(run).toMatchObject({
      startedAt: null,
      stoppedAt: null,
      completedAt: null,
      stopReason: null,
    });

    const started = (await api.start(run.documentId)).body.data;
    expect(started).toMatchObject({
      status: 'running',
      startedAt: ISO,
      stoppedAt: null,
      completedAt: null,
    });

    const stopped = (await api.stop(run.documentId)).body.data;
    expect(stopped).toMatchObject({
      status: 'stopped',
      startedAt: started.startedAt,
      stoppedAt: ISO,
      stopReason: 'stopped-by-admin',
      lastError: null,
    });

    const resumed = (await api.start(run.documentId)).body.data;
    expect(resumed).toMatchObject({
      status: 'running',
      startedAt: started.startedAt,
      stoppedAt: null,
    });
    expect(resumed.counts).toMatchObject({ total: 2, queued: 1, skipped: 1 });
  });

  it.each<['start' | 'stop', State]>([
    ['start', 'running'],
    ['stop', 'stopped'],
  ])('%s of a %s run changes nothing (200)', async (action, state) => {
    const run = await runIn(state);
    const res = await api[action](run.documentId);
    expect(res.status).toBe(200);
    expect(res.body.data).toEqual(run);
  });

  it('a run whose results are all skipped is completed as soon as it starts', async () => {
    const run = await runIn('created');
    const skipped = await api.createRun(world.criteria(definition, allSkipped));
    expect(skipped.counts).toMatchObject({ total: 1, skipped: 1, queued: 0 });
    const res = await api.start(skipped.documentId);
    expect(res.status).toBe(200);
    expect(res.body.data).toMatchObject({
      status: 'completed',
      startedAt: ISO,
      completedAt: ISO,
    });
    // Not every run: one with something to send keeps running.
    expect((await api.start(run.documentId)).body.data).toMatchObject({
      status: 'running',
      completedAt: null,
    });
  });

  it.each<['start' | 'stop', State, string]>([
    ['stop', 'created', 'Cannot stop this run: it has not been started.'],
    ['start', 'completed', 'Cannot start this run: it is completed; resend results to run it again.'],
    ['stop', 'completed', 'Cannot stop this run: it is completed; resend results to run it again.'],
  ])('%s of a %s run answers 409 in Strapi’s error shape', async (action, state, message) => {
    const run = await runIn(state);
    const res = await api[action](run.documentId);
    expect(res.status).toBe(409);
    expect(res.body).toEqual({
      data: null,
      error: {
        status: 409,
        name: 'ConflictError',
        message,
        details: { status: state },
      },
    });
    expect((await api.get(run.documentId)).body.data.status).toBe(state);
  });

  it('a resend on a completed run makes it running again', async () => {
    const cluster = await world.make.cluster();
    const { customer } = await world.customerWithInvoice({
      cluster,
      definition,
      address: 'none',
    });
    const run = await api.createRun(world.criteria(definition, cluster));
    expect((await api.start(run.documentId)).body.data.status).toBe('completed');

    await world.setAddresses(customer, [{ key: definition.recipientKey, address: 'late@example.com' }]);
    const res = await api.resend(run.documentId, { status: ['skipped'] });
    expect(res.body.data).toEqual({ requeued: 1, skipped: 0, suppressed: 0, inFlight: 0 });

    const reopened = (await api.get(run.documentId)).body.data;
    expect(reopened).toMatchObject({
      status: 'running',
      completedAt: null,
      counts: { total: 1, queued: 1, skipped: 0 },
    });
    expect((await api.allResults(run.documentId))[0]).toMatchObject({
      status: 'queued',
      reason: null,
      recipient: 'late@example.com',
    });
  });
});

describe('delete', () => {
  it('refuses a running run with 409, leaving it and its results', async () => {
    const run = await runIn('running');
    const res = await api.delete(run.documentId);
    expect(res.status).toBe(409);
    expect(res.body.error).toMatchObject({
      status: 409,
      name: 'ConflictError',
      message: 'Cannot delete this run: it is running; stop it first.',
    });
    expect((await api.get(run.documentId)).status).toBe(200);
    expect(await world.count.resultsOfRun(run.documentId)).toBe(2);
  });

  it.each<State>(['stopped', 'created', 'completed'])('deletes a %s run with its results', async (state) => {
    const run = await runIn(state);
    const resultIds = (await api.allResults(run.documentId)).map((result) => result.documentId);
    expect(resultIds).toHaveLength(run.counts.total);
    const before = await world.count.results();

    const res = await api.delete(run.documentId);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      data: { documentId: run.documentId, removedResults: resultIds.length },
    });
    expect(await world.count.results({ documentId: { $in: resultIds } })).toBe(0);
    expect(await world.count.results()).toBe(before - resultIds.length);
    expect((await api.get(run.documentId)).status).toBe(404);
  });
});
