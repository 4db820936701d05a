import type { Knex } from 'knex';
import type { RunStatus } from '../../../shared/constants';
import type { Tables } from './tables';

const timestamp = (knex: Knex, date: Date) => knex.raw('CAST(? AS TIMESTAMP)', [date]);

/**
 * Compare-and-set of a run's status: changes it only while it is one of `from`, so two admins (or an
 * admin and the queue) cannot both act on the same state. Returns whether it changed.
 */
export async function changeRunStatus(
  knex: Knex,
  t: Tables,
  runId: number,
  from: RunStatus[],
  to: RunStatus,
  now: Date,
  stamps: Partial<Record<'started_at' | 'stopped_at' | 'completed_at', Date | null>> = {}
) {
  const changes = Object.fromEntries(
    Object.entries(stamps).map(([column, value]) => [column, value ? timestamp(knex, value) : null])
  );
  const count = await knex(t.runs)
    .where('id', runId)
    .whereIn('status', from)
    .update({ status: to, updated_at: timestamp(knex, now), ...changes });
  return count > 0;
}

/** Marks a running run completed when none of its results is queued, being sent or waiting to retry. */
export async function completeRunIfDone(knex: Knex, t: Tables, runId: number, now: Date) {
  const count = await knex(t.runs)
    .where('id', runId)
    .where('status', 'running')
    .whereNotExists(
      knex(t.results).select(knex.raw('1')).where('run_id', runId).whereIn('status', ['queued', 'sending', 'retrying'])
    )
    .update({ status: 'completed', completed_at: timestamp(knex, now), updated_at: timestamp(knex, now) });
  return count > 0;
}
