import type { Knex } from 'knex';
import type { RunStatus, StopReason } from '../../../shared/constants';
import { timestamp } from './dialect';
import type { Tables } from './tables';


/** Columns a status change may set besides the status. */
export interface RunChanges {
  started_at?: Date | null;
  stopped_at?: Date | null;
  completed_at?: Date | null;
  stop_reason?: StopReason | null;
  last_error?: string | null;
  server_failures_in_a_row?: number;
  scheduled_at?: Date | null;
  time_zone?: string | null;
  not_after?: Date | null;
}

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
  runChanges: RunChanges = {}
) {
  const changes = Object.fromEntries(
    Object.entries(runChanges).map(([column, value]) => [column, value instanceof Date ? timestamp(knex, value) : value])
  );
  const count = await knex(t.runs)
    .where('id', runId)
    .whereIn('status', from)
    .update({ status: to, updated_at: timestamp(knex, now), ...changes });
  return count > 0;
}

/**
 * The scheduled runs due at `now`, each changed by one guarded UPDATE, so that of all the instances
 * whose ticks run it at the same time exactly one changes a given run (its write holds the row; the
 * others' find it no longer `scheduled`): first those past their `notAfter` are stopped
 * (`missed-schedule`), then those due are started. Returns the ids each UPDATE changed.
 */
export async function startDueRuns(knex: Knex, t: Tables, now: Date) {
  const at = timestamp(knex, now);
  const scheduled = () => knex(t.runs).where('status', 'scheduled');
  const missed: { id: number }[] = await scheduled()
    .whereNotNull('not_after')
    .where('not_after', '<', at)
    .update({ status: 'stopped', stop_reason: 'missed-schedule', stopped_at: at, updated_at: at }, ['id']);
  const started: { id: number }[] = await scheduled()
    .where('scheduled_at', '<=', at)
    .update(
      {
        status: 'running',
        started_at: knex.raw('COALESCE(started_at, ?)', [at]),
        stopped_at: null,
        server_failures_in_a_row: 0,
        updated_at: at,
      },
      ['id']
    );
  return { missed: missed.map((row) => row.id), started: started.map((row) => row.id) };
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

/**
 * Counts, per run, the attempts in a row that failed for a cause that is not the recipient, across
 * instances: an outcome write adds its failures, or, when it holds a success, starts the count again
 * from the failures after its last success. Returns the running runs whose count reached `limit`.
 */
export async function countServerFailures(
  knex: Knex,
  t: Tables,
  writes: { runId: number; failures: number; afterSuccess: boolean }[],
  limit: number
) {
  const reached: number[] = [];
  for (const { runId, failures, afterSuccess } of writes) {
    const query = knex(t.runs).where('id', runId);
    // A success with nothing to start again from changes nothing: no write for the common case.
    if (afterSuccess && !failures) query.whereNot('server_failures_in_a_row', 0);
    const rows: { server_failures_in_a_row: number; status: RunStatus }[] = await query.update(
      { server_failures_in_a_row: afterSuccess ? failures : knex.raw('server_failures_in_a_row + ?', [failures]) },
      ['server_failures_in_a_row', 'status']
    );
    if (limit && rows[0]?.status === 'running' && Number(rows[0].server_failures_in_a_row) >= limit) reached.push(runId);
  }
  return reached;
}
