import { startStrapiWithSink, type SmtpSink } from '../helpers/smtp';
import type { TestApp } from '../helpers/strapi';
import { seedRun } from '../helpers/bulk-run';
import { createApiToken } from '../helpers/auth';
import { runsApi, type RunsApi } from '../helpers/runs';
import { deliverWithWorkers, deliveryWorkers } from '../helpers/workers';
import { RUN_UID } from '../../src/plugins/message-runs/shared/constants';
import { requeueExpiredClaims } from '../../src/plugins/message-runs/server/src/data/queue';
import { resolveTables, type Tables } from '../../src/plugins/message-runs/server/src/data/tables';
import { resolveDialect } from '../../src/plugins/message-runs/server/src/data/dialect';

/**
 * A run's kept counts (DESIGN.md, "Kept counts") equal a count of its results after every kind of
 * change, made the way the plugin makes it: creation, claims by several instances (PostgreSQL; SQLite
 * has one), outcomes with failures and retries, resend and remove while delivering, a Stop, lease
 * expiry, bounces and complaints, deletion; and the recount route repairs a broken count.
 */
const WORKERS = process.env.TEST_DATABASE === 'postgres' ? 2 : 0;

let app: TestApp;
let smtp: SmtpSink;
let stop: () => Promise<void>;
let api: RunsApi;
let t: Tables;
const workers = deliveryWorkers();

beforeAll(async () => {
  ({ app, smtp, stop } = await startStrapiWithSink());
  api = runsApi(app, await createApiToken(app.strapi));
  t = resolveTables(app.strapi);
});
afterAll(async () => {
  workers.kill();
  await stop?.();
});
beforeEach(() => smtp.reset());
afterEach(() => workers.kill());

const knex = () => app.strapi.db.connection;
const queue = () => app.strapi.plugin('message-runs').service('queue');
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const runIdOf = async (documentId: string) =>
  (await app.strapi.db.query(RUN_UID as any).findOne({ where: { documentId } })).id as number;

type Row = { run_id: number | string; status: string; n: number | string };
const normalized = (rows: Row[]) =>
  rows.map((row) => `${row.run_id}:${row.status}=${Number(row.n)}`).sort();

/** Every run's kept counts (zero counts left out) and a GROUP BY over the results, side by side. */
async function keptAndCounted() {
  const kept: Row[] = await knex()(t.runCounts)
    .select('run_id', 'status')
    .sum({ n: 'n' })
    .groupBy('run_id', 'status')
    .havingRaw('sum(n) <> 0');
  const counted: Row[] = await knex()(t.results).select('run_id', 'status').count({ n: '*' }).groupBy('run_id', 'status');
  return { kept: normalized(kept), counted: normalized(counted) };
}
async function expectKeptEqualsCounted() {
  const { kept, counted } = await keptAndCounted();
  expect(kept).toEqual(counted);
  return counted;
}

it('keeps the counts of a new run', async () => {
  const { runDocumentId } = await seedRun(app.strapi, 120);
  expect(await expectKeptEqualsCounted()).toContain(`${await runIdOf(runDocumentId)}:queued=120`);
  expect((await api.get(runDocumentId)).body.data.counts).toMatchObject({ total: 120, queued: 120 });
});

it(`keeps them through delivery by ${WORKERS || 1} instance(s) with failures and retries, resends and removes under way, and a Stop`, async () => {
  const { runDocumentId } = await seedRun(app.strapi, 240);
  const runId = await runIdOf(runDocumentId);
  // Some recipients refused for good, some for now: failed and retrying results beside sent ones.
  smtp.answerRecipients((address) => {
    const n = [...address].reduce((sum, c) => sum + c.charCodeAt(0), 0) % 6;
    return n === 0 ? { code: 550, message: '5.1.1 No such user' } : n === 1 ? { code: 451, message: '4.3.0 Try later' } : undefined;
  });
  smtp.slowDown(20);
  const delivering = WORKERS
    ? deliverWithWorkers(workers, WORKERS, runDocumentId)
    : (async () => {
        while ((await api.get(runDocumentId)).body.data.status === 'running') {
          if (!(await queue().tick()).claimed) await sleep(100);
        }
      })();
  // Meanwhile, through the API: resend by status and by ids, and remove by ids, again and again.
  const changes = (async () => {
    for (let round = 0; round < 6; round++) {
      await sleep(150);
      await api.resend(runDocumentId, { status: ['failed', 'retrying'] });
      const page = await api.allResults(runDocumentId);
      const ids = page.filter((_, i) => i % 17 === round).map((result) => result.documentId);
      await api.resend(runDocumentId, { ids: ids.slice(0, 3) });
      await api.remove(runDocumentId, { ids: ids.slice(3, 6) });
    }
  })();
  await changes;
  // Stopped while delivering, once some of its messages went.
  for (const deadline = Date.now() + 30_000; !(await api.get(runDocumentId)).body.data.counts.sent; ) {
    if (Date.now() > deadline) throw new Error('nothing was sent within 30 s');
    await sleep(100);
  }
  expect((await api.stop(runDocumentId)).status).toBe(200);
  await delivering;
  smtp.slowDown(0);
  const counted = await expectKeptEqualsCounted();
  const statuses = counted.filter((line) => line.startsWith(`${runId}:`)).map((line) => line.split(/[:=]/)[1]);
  expect(statuses).toEqual(expect.arrayContaining(['sent']));
  expect((await api.recount(runDocumentId)).body.meta.drift).toEqual({});
});

it('keeps them when leases run out, when results bounce and are complained about, and when a run is deleted', async () => {
  const { runDocumentId } = await seedRun(app.strapi, 60);
  const runId = await runIdOf(runDocumentId);
  while ((await queue().tick()).claimed) {}
  // Claims whose worker died: `sending` since long ago, taken back by the next tick's sweep.
  await knex()(t.results)
    .whereIn('id', knex()(t.results).select('id').where({ run_id: runId, status: 'sent' }).orderBy('id').limit(10))
    .update({ status: 'sending', locked_by: 'dead-worker', locked_at: new Date(Date.now() - 3_600_000) });
  await expectKeptEqualsCounted();
  const requeued = await requeueExpiredClaims(knex(), t, resolveDialect(app.strapi), new Date(), 60);
  expect(requeued.length).toBe(10);
  await expectKeptEqualsCounted();

  const sent: { message_id: string }[] = await knex()(t.results).select('message_id').where({ run_id: runId, status: 'sent' }).limit(4);
  const reports = app.strapi.plugin('message-runs').service('deliveryReports');
  await reports.apply(
    sent.map(({ message_id: messageId }, i) => ({
      kind: i % 2 ? 'complained' : 'bounced',
      source: 'imap',
      key: `counts-${messageId}`,
      messageId,
      status: '5.1.1',
      at: new Date(),
    }))
  );
  const counted = await expectKeptEqualsCounted();
  expect(counted).toEqual(expect.arrayContaining([`${runId}:bounced=2`, `${runId}:complained=2`]));

  await api.stop(runDocumentId);
  expect((await api.delete(runDocumentId)).status).toBe(200);
  expect(Number((await knex()(t.runCounts).where('run_id', runId).count({ n: '*' }))[0].n)).toBe(0);
  await expectKeptEqualsCounted();
});

const describeOnPostgres = process.env.TEST_DATABASE === 'postgres' ? describe : describe.skip;

describeOnPostgres('compaction (PostgreSQL, whose triggers append deltas)', () => {
  it("folds a run's delta rows into one per status at the delivery tick, the sums unchanged", async () => {
    const { runDocumentId } = await seedRun(app.strapi, 20);
    const runId = await runIdOf(runDocumentId);
    // Deltas as claims and releases leave them: +1 and -1 pairs that sum to nothing.
    await knex()(t.runCounts).insert(
      Array.from({ length: 50 }, (_, i) => ({ run_id: runId, status: 'sending', n: i % 2 ? -1 : 1 }))
    );
    await knex()(t.runCounts).insert({ run_id: runId, status: 'queued', n: 0 });
    await api.stop(runDocumentId);
    await queue().tick();
    expect(await knex()(t.runCounts).select('status', 'n').where('run_id', runId)).toEqual([{ status: 'queued', n: 20 }]);
    await expectKeptEqualsCounted();
  });
});

describe('recount', () => {
  it('repairs a broken count, reporting the drift, and finds none the next time', async () => {
    const { runDocumentId } = await seedRun(app.strapi, 30);
    const runId = await runIdOf(runDocumentId);
    const first = await knex()(t.runCounts).where({ run_id: runId, status: 'queued' }).orderBy('id').first();
    await knex()(t.runCounts).where('id', first.id).update({ n: Number(first.n) + 5 });
    await knex()(t.runCounts).insert({ run_id: runId, status: 'failed', n: 2 });
    expect((await api.get(runDocumentId)).body.data.counts).toMatchObject({ queued: 35, failed: 2 });

    const repaired = await api.recount(runDocumentId);
    expect(repaired.status).toBe(200);
    expect(repaired.body.meta.drift).toEqual({ queued: { kept: 35, counted: 30 }, failed: { kept: 2, counted: 0 } });
    expect(repaired.body.data.counts).toMatchObject({ total: 30, queued: 30, failed: 0 });
    await expectKeptEqualsCounted();
    expect((await api.recount(runDocumentId)).body.meta.drift).toEqual({});
  });

  it('answers 404 for an unknown run', async () => {
    expect((await api.recount('nosuchrun000000000000000')).status).toBe(404);
  });

  it('counts every run again at boot when a trigger was missing', async () => {
    await seedRun(app.strapi, 10);
    await knex().raw(`DROP TRIGGER ${t.runCounts}_del${process.env.TEST_DATABASE === 'postgres' ? ` ON ${t.results}` : ''}`);
    await knex()(t.runCounts).update({ n: 999 });
    await app.strapi.plugin('message-runs').service('runs').installCountTriggers();
    await expectKeptEqualsCounted();
  });
});
