import { startStrapi, type TestApp } from '../helpers/strapi';
import { seedRun } from '../helpers/bulk-run';
import { createApiToken } from '../helpers/auth';
import { runsApi, RUN_UID, type RunsApi } from '../helpers/runs';
import { REQUEUE_BATCH } from '../../src/plugins/message-runs/server/src/data/results';

/**
 * A resend of a status over a large run works a batch of results at a time (REQUEUE_BATCH), in one
 * transaction: every selected result is queued again exactly once, with one `resent` entry each, across
 * the batches' edges, and the run gets one entry with the totals.
 */
let app: TestApp;
let api: RunsApi;

beforeAll(async () => {
  app = await startStrapi();
  api = runsApi(app, await createApiToken(app.strapi));
});
afterAll(() => app?.stop());

it('resends more results than one batch holds, each once, with one history entry each', async () => {
  const size = 2 * REQUEUE_BATCH + 7;
  const { runDocumentId } = await seedRun(app.strapi, size);
  const knex = app.strapi.db.connection;
  const results = app.strapi.db.metadata.get('plugin::message-runs.message-result').tableName;
  const events = app.strapi.db.metadata.get('plugin::message-runs.message-event').tableName;
  const run = await app.strapi.db.query(RUN_UID).findOne({ where: { documentId: runDocumentId } });
  // Every third result failed, the rest were sent: the resend of `failed` picks ids spread over the run.
  const ids: number[] = (await knex(results).where('run_id', run.id).orderBy('id').pluck('id')).map(Number);
  const failed = ids.filter((_, i) => i % 3 === 0);
  await knex(results).where('run_id', run.id).update({ status: 'sent', attempts: 1 });
  for (let i = 0; i < failed.length; i += 500) {
    await knex(results).whereIn('id', failed.slice(i, i + 500)).update({ status: 'failed', error: 'boom' });
  }

  const res = await api.resend(runDocumentId, { status: ['failed'] });
  expect(res.status).toBe(200);
  expect(res.body.data).toEqual({ requeued: failed.length, skipped: 0, suppressed: 0, inFlight: 0 });

  const byStatus: { status: string; n: number | string }[] = await knex(results)
    .where('run_id', run.id)
    .select('status')
    .count({ n: '*' })
    .groupBy('status');
  expect(Object.fromEntries(byStatus.map((row) => [row.status, Number(row.n)]))).toEqual({
    queued: failed.length,
    sent: size - failed.length,
  });
  const resentEntries = await knex(events).where({ run_id: run.id, type: 'resent' }).whereNotNull('result_id').select('result_id');
  expect(resentEntries.map((row) => Number(row.result_id)).sort((a, b) => a - b)).toEqual(failed);
  const runEntries = (await api.runEvents(runDocumentId)).body.data.filter((event) => event.type === 'resent');
  expect(runEntries.map((event) => event.detail)).toEqual([{ requeued: failed.length, skipped: 0, suppressed: 0, inFlight: 0 }]);
});
