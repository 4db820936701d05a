import type { Core } from '@strapi/strapi';
import type { Knex } from 'knex';
import { RUN_UID, type RunStatus, type StopReason } from '../../../shared/constants';
import type { Run } from '../../../shared/contracts/runs';
import type { DefinitionSnapshot } from '../domain/definition';
import { PENDING_RESULT_STATUSES, RUN_TRANSITIONS, runMay, type RunAction } from '../domain/states';
import { timestamp } from './dialect';
import type { Tables } from './tables';

/** Strapi's database layer: runs are read and created through it (its relations, its document ids). */
type Database = Core.Strapi['db'];

/**
 * A run as the database layer reads it, with its cluster and creator: the contract's run but its
 * counts, with its id, its whole definition snapshot, and its Bcc list as stored (null when none).
 */
export type RunRow = Omit<Run, 'definition' | 'counts' | 'bcc'> & {
  id: number;
  definitionSnapshot: DefinitionSnapshot;
  bcc: string[] | null;
};

const RUN_POPULATE = {
  cluster: { select: ['documentId', 'name'] },
  createdBy: { select: ['firstname', 'lastname'] },
};

export async function findRunRow(db: Database, where: { documentId: string } | { id: number }): Promise<RunRow | null> {
  return db.query(RUN_UID).findOne({ where, populate: RUN_POPULATE });
}

export async function findRunPage(db: Database, { page, pageSize, status }: { page: number; pageSize: number; status?: RunStatus }) {
  const { results, pagination } = await db.query(RUN_UID).findPage({
    where: status ? { status } : {},
    orderBy: { id: 'desc' },
    populate: RUN_POPULATE,
    page,
    pageSize,
  });
  return { rows: results as RunRow[], pagination };
}

/** A new run's columns, as the content type names them. */
export interface NewRun {
  definitionId: number;
  snapshot: DefinitionSnapshot;
  clusterId: number;
  includeChildren: boolean;
  includeAlreadySent: boolean;
  periodStart: string;
  periodEnd: string;
  bcc: string[];
  createdBy: number | null;
}

/** Creates a run, `created`; returns its ids. */
export async function insertRun(db: Database, run: NewRun, now: Date): Promise<{ id: number; documentId: string }> {
  const created = await db.query(RUN_UID).create({
    data: {
      status: 'created',
      definition: run.definitionId,
      definitionSnapshot: run.snapshot,
      cluster: run.clusterId,
      includeChildren: run.includeChildren,
      includeAlreadySent: run.includeAlreadySent,
      periodStart: run.periodStart,
      periodEnd: run.periodEnd,
      bcc: run.bcc,
      createdBy: run.createdBy,
      // The same instant as its results' timestamps (Strapi would otherwise take its own now).
      createdAt: now,
      updatedAt: now,
      publishedAt: now,
    },
  });
  return { id: created.id, documentId: created.documentId };
}

/** What sending a run's messages needs of it. */
export interface RunForSending {
  id: number;
  definitionSnapshot: DefinitionSnapshot;
  bcc: string[] | null;
  periodStart: string;
  periodEnd: string;
}

export async function findRunsForSending(db: Database, runIds: number[]): Promise<RunForSending[]> {
  return db.query(RUN_UID).findMany({
    where: { id: { $in: runIds } },
    select: ['id', 'definitionSnapshot', 'bcc', 'periodStart', 'periodEnd'],
  });
}

/** The documentId of each run, by id: one read. */
export async function findRunDocumentIds(knex: Knex, t: Tables, runIds: number[]) {
  const runs: { id: number | string; document_id: string }[] = await knex(t.runs)
    .select('id', 'document_id')
    .whereIn('id', runIds);
  return new Map(runs.map((run) => [Number(run.id), run.document_id]));
}


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

/** The actions that move a run to another status (delete removes it). */
export type MovingRunAction = Exclude<RunAction, 'delete'>;

/**
 * Compare-and-set of a run's status, as the action does it (domain/states.ts): changes it only while
 * it is one of the action's `from` states (or of the narrower `from` given), so two admins (or an admin
 * and the queue) cannot both act on the same state. Returns whether it changed.
 */
export async function changeRunStatus(
  knex: Knex,
  t: Tables,
  runId: number,
  action: MovingRunAction,
  now: Date,
  runChanges: RunChanges = {},
  from: readonly RunStatus[] = RUN_TRANSITIONS[action].from
) {
  const to = RUN_TRANSITIONS[action].to;
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
  const { missSchedule, startDue } = RUN_TRANSITIONS;
  const missed: { id: number }[] = await knex(t.runs)
    .whereIn('status', missSchedule.from)
    .whereNotNull('not_after')
    .where('not_after', '<', at)
    .update({ status: missSchedule.to, stop_reason: 'missed-schedule', stopped_at: at, updated_at: at }, ['id']);
  const started: { id: number }[] = await knex(t.runs)
    .whereIn('status', startDue.from)
    .where('scheduled_at', '<=', at)
    .update(
      {
        status: startDue.to,
        started_at: knex.raw('COALESCE(started_at, ?)', [at]),
        stopped_at: null,
        server_failures_in_a_row: 0,
        updated_at: at,
      },
      ['id']
    );
  return { missed: missed.map((row) => row.id), started: started.map((row) => row.id) };
}

/** Marks a running run completed when none of its results is pending (queued, being sent or waiting to retry). */
export async function completeRunIfDone(knex: Knex, t: Tables, runId: number, now: Date) {
  const { complete } = RUN_TRANSITIONS;
  const count = await knex(t.runs)
    .where('id', runId)
    .whereIn('status', complete.from)
    .whereNotExists(knex(t.results).select(knex.raw('1')).where('run_id', runId).whereIn('status', PENDING_RESULT_STATUSES))
    .update({ status: complete.to, completed_at: timestamp(knex, now), updated_at: timestamp(knex, now) });
  return count > 0;
}

/** The runs that may complete (running) with no result pending: what the queue's tick completes. */
export async function findFinishedRunIds(knex: Knex, t: Tables) {
  const rows: { id: number | string }[] = await knex({ run: t.runs })
    .select('run.id')
    .whereIn('run.status', RUN_TRANSITIONS.complete.from)
    .whereNotExists(
      knex({ r: t.results }).select(knex.raw('1')).whereRaw('r.run_id = run.id').whereIn('r.status', PENDING_RESULT_STATUSES)
    );
  return rows.map((row) => Number(row.id));
}

/**
 * Holds a run for deleting (a row lock on PostgreSQL, in the caller's transaction) while its status
 * allows it, so it cannot be started in the meantime. Returns whether it is held.
 */
export async function holdDeletableRun(trx: Knex, t: Tables, runId: number) {
  const held = await trx(t.runs)
    .where('id', runId)
    .whereIn('status', RUN_TRANSITIONS.delete.from)
    .update({ status: trx.ref('status') });
  return held > 0;
}

export async function deleteRun(knex: Knex, t: Tables, runId: number) {
  await knex(t.runs).where('id', runId).delete();
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
    if (limit && rows[0] && runMay('pause', rows[0].status) && Number(rows[0].server_failures_in_a_row) >= limit) reached.push(runId);
  }
  return reached;
}
