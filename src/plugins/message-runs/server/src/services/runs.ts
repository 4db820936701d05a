import type { Core } from '@strapi/strapi';
import {
  RUN_UID,
  SKIP_REASONS,
  WEBHOOK_EVENTS,
  type RunEventType,
  type RunStatus,
  type StopReason,
} from '../../../shared/constants';
import type { Actor } from '../../../shared/contracts/events';
import type { PreviewRun, Run, RunCriteria, Schedule } from '../../../shared/contracts/runs';
import type { Knex } from 'knex';
import { resolveDialect } from '../data/dialect';
import { appendRunEvent, insertCreationEvents } from '../data/events';
import { countSelection, type SelectionCriteria } from '../data/invoice-selection';
import { releaseRunClaims, requeueServerFailures } from '../data/queue';
import { countSendingResults, deleteRunResults, insertResultsForRun } from '../data/results';
import { changeRunStatus, completeRunIfDone, startDueRuns, type RunChanges } from '../data/runs';
import { resolveTables } from '../data/tables';
import { ConflictError, fieldError, notFound } from '../errors';
import { getService, SERVER_ACTOR, toIsoTimestamp } from '../utils';
import type { TemplateTranslation } from './templates';

const DEFINITION_UID = 'api::message-definition.message-definition';
const CLUSTER_UID = 'api::customer-cluster.customer-cluster';

/** The definition as the run keeps it: editing the definition later never changes the run. */
export interface DefinitionSnapshot {
  documentId: string;
  name: string;
  fromKey: string;
  recipientKey: string;
  subjectTemplate: string;
  bodyTemplate: string;
  textTemplate: string | null;
  /** Absent in the snapshots of runs created before translations existed. */
  translations?: TemplateTranslation[];
  zipAttachments: boolean;
  collate: boolean;
  invoiceTransformations: { id: number; documentId: string; name: string }[];
}

export interface RunRow {
  id: number;
  documentId: string;
  status: RunStatus;
  definitionSnapshot: DefinitionSnapshot;
  cluster: { documentId: string; name: string } | null;
  includeChildren: boolean;
  includeAlreadySent: boolean;
  periodStart: string;
  periodEnd: string;
  bcc: string[] | null;
  createdAt: string;
  createdBy: { firstname: string | null; lastname: string | null } | null;
  startedAt: string | null;
  stoppedAt: string | null;
  completedAt: string | null;
  stopReason: StopReason | null;
  lastError: string | null;
  scheduledAt: string | null;
  timeZone: string | null;
  notAfter: string | null;
}

/** From this many new results on, the database's planner statistics are refreshed after creation. */
export const BULK_RESULTS = 10_000;

const RUN_POPULATE = {
  cluster: { select: ['documentId', 'name'] },
  createdBy: { select: ['firstname', 'lastname'] },
};

/**
 * What each action may do: the states it leaves, the state it makes, and where it is a no-op. Start
 * of a scheduled run starts it now; Stop of one cancels its schedule.
 */
const TRANSITIONS = {
  start: { from: ['created', 'stopped', 'scheduled'], to: 'running', alreadyThere: 'running' },
  stop: { from: ['running', 'scheduled'], to: 'stopped', alreadyThere: 'stopped' },
} as const satisfies Record<string, { from: RunStatus[]; to: RunStatus; alreadyThere: RunStatus }>;

/** The states a schedule may be set in (or moved, while `scheduled`). */
const SCHEDULABLE: RunStatus[] = ['created', 'stopped', 'scheduled'];

const CONFLICT_HINTS: Record<RunStatus, string> = {
  created: 'it has not been started',
  scheduled: 'it is scheduled',
  running: 'it is running; stop it first',
  stopped: 'it is stopped',
  completed: 'it is completed; resend results to run it again',
};

export const eligibilityOf = (snapshot: DefinitionSnapshot) => ({
  recipientKey: snapshot.recipientKey,
  transformationIds: snapshot.invoiceTransformations.map((transformation) => transformation.id),
});

export default ({ strapi }: { strapi: Core.Strapi }) => {
  const tables = () => resolveTables(strapi);
  const knex = () => strapi.db.connection;

  /** Looks up the definition and cluster the request names; a 400 on the field that names neither. */
  async function resolveCriteria(criteria: RunCriteria) {
    const definition = await strapi.db.query(DEFINITION_UID).findOne({
      where: { documentId: criteria.definition },
      populate: { invoiceTransformations: { select: ['id', 'documentId', 'name'] }, translations: true },
    });
    if (!definition) {
      throw fieldError('definition', `"${criteria.definition}" is not the documentId of a message definition`);
    }
    const cluster = await strapi.db.query(CLUSTER_UID).findOne({
      where: { documentId: criteria.cluster },
      select: ['id', 'documentId', 'name'],
    });
    if (!cluster) {
      throw fieldError('cluster', `"${criteria.cluster}" is not the documentId of a customer cluster`);
    }
    const snapshot: DefinitionSnapshot = {
      documentId: definition.documentId,
      name: definition.name,
      fromKey: definition.fromKey,
      recipientKey: definition.recipientKey,
      subjectTemplate: definition.subjectTemplate,
      bodyTemplate: definition.bodyTemplate,
      textTemplate: definition.textTemplate ?? null,
      translations: (definition.translations ?? []).map((translation: TemplateTranslation) => ({
        languageCode: translation.languageCode,
        subjectTemplate: translation.subjectTemplate || null,
        bodyTemplate: translation.bodyTemplate || null,
        textTemplate: translation.textTemplate || null,
      })),
      zipAttachments: Boolean(definition.zipAttachments),
      collate: Boolean(definition.collate),
      invoiceTransformations: definition.invoiceTransformations.map(({ id, documentId, name }) => ({
        id,
        documentId,
        name,
      })),
    };
    const selection: SelectionCriteria = {
      clusterId: cluster.id,
      includeChildren: Boolean(criteria.includeChildren),
      definitionId: definition.id,
      includeAlreadySent: Boolean(criteria.includeAlreadySent),
      periodStart: criteria.periodStart,
      periodEnd: criteria.periodEnd,
      ...eligibilityOf(snapshot),
    };
    return { definition, cluster, snapshot, selection };
  }

  async function findRunRow(documentId: string): Promise<RunRow> {
    const run = await strapi.db.query(RUN_UID).findOne({ where: { documentId }, populate: RUN_POPULATE });
    if (!run) throw notFound('message run', documentId);
    return run;
  }

  async function toRuns(rows: RunRow[]): Promise<Run[]> {
    const counts = await getService(strapi, 'counts').ofRuns(rows.map((row) => row.id));
    return rows.map((row) => ({
      documentId: row.documentId,
      status: row.status,
      definition: { documentId: row.definitionSnapshot.documentId, name: row.definitionSnapshot.name },
      cluster: row.cluster ? { documentId: row.cluster.documentId, name: row.cluster.name } : null,
      includeChildren: row.includeChildren,
      includeAlreadySent: Boolean(row.includeAlreadySent),
      periodStart: row.periodStart,
      periodEnd: row.periodEnd,
      bcc: row.bcc ?? [],
      counts: counts.get(row.id)!,
      createdAt: toIsoTimestamp(row.createdAt)!,
      createdBy: row.createdBy ? { firstname: row.createdBy.firstname, lastname: row.createdBy.lastname } : null,
      startedAt: toIsoTimestamp(row.startedAt),
      stoppedAt: toIsoTimestamp(row.stoppedAt),
      completedAt: toIsoTimestamp(row.completedAt),
      stopReason: row.stopReason ?? null,
      lastError: row.lastError ?? null,
      scheduledAt: toIsoTimestamp(row.scheduledAt),
      timeZone: row.timeZone ?? null,
      notAfter: toIsoTimestamp(row.notAfter),
    }));
  }

  const toRun = async (row: RunRow) => (await toRuns([row]))[0];
  const findById = async (id: number) =>
    toRun(await strapi.db.query(RUN_UID).findOne({ where: { id }, populate: RUN_POPULATE }));

  /** A run's own history entry, in the transaction of the change it records. */
  const recordRunEvent = (
    trx: Knex,
    runId: number,
    type: RunEventType,
    actor: Actor,
    now: Date,
    detail: Record<string, unknown> | null = null
  ) => appendRunEvent(trx, tables(), resolveDialect(strapi), { runId, type, at: now, actor, detail }, now);

  /** Sets (or moves) the schedule of a run in one of SCHEDULABLE, with its `scheduled` entry. */
  async function applySchedule(trx: Knex, runId: number, schedule: Schedule, actor: Actor, now: Date) {
    const changes: RunChanges = {
      scheduled_at: schedule.scheduledAt,
      time_zone: schedule.timeZone,
      not_after: schedule.notAfter,
    };
    if (!(await changeRunStatus(trx, tables(), runId, SCHEDULABLE, 'scheduled', now, changes))) return false;
    await recordRunEvent(trx, runId, 'scheduled', actor, now, {
      scheduledAt: schedule.scheduledAt.toISOString(),
      timeZone: schedule.timeZone,
      notAfter: schedule.notAfter?.toISOString() ?? null,
    });
    return true;
  }

  return {
    findRunRow,
    findById,

    async findOne(documentId: string) {
      return toRun(await findRunRow(documentId));
    },

    async findPage({ page, pageSize, status }: { page: number; pageSize: number; status?: RunStatus }) {
      const { results, pagination } = await strapi.db.query(RUN_UID).findPage({
        where: status ? { status } : {},
        orderBy: { id: 'desc' },
        populate: RUN_POPULATE,
        page,
        pageSize,
      });
      return { runs: await toRuns(results), pagination };
    },

    /** What a run with these criteria would hold, counted; nothing is written. */
    async preview(criteria: RunCriteria): Promise<PreviewRun.Response['data']> {
      const { selection, snapshot } = await resolveCriteria(criteria);
      const { byReason: countsByReason, languages } = await strapi.db.transaction(async ({ trx }) => {
        await resolveDialect(strapi).prepareBulkStatement(trx);
        return countSelection(trx, tables(), selection, {
          translationCodes: (snapshot.translations ?? []).map((translation) => translation.languageCode),
          collate: snapshot.collate,
        });
      });
      const skipped = Object.fromEntries(
        SKIP_REASONS.map((reason) => [reason, countsByReason.get(reason) ?? 0])
      ) as PreviewRun.Response['data']['skipped'];
      const eligible = countsByReason.get(null) ?? 0;
      return { total: eligible + Object.values(skipped).reduce((a, b) => a + b, 0), eligible, skipped, languages };
    },

    /**
     * Creates the run and its results (one INSERT … SELECT) in one transaction, with their history:
     * the run's `created` and one entry per result (one more INSERT … SELECT).
     */
    async create(criteria: RunCriteria, actor: Actor = SERVER_ACTOR, schedule: Schedule | null = null) {
      const { definition, cluster, snapshot, selection } = await resolveCriteria(criteria);
      const now = new Date();
      const runId = await strapi.db.transaction(async ({ trx }) => {
        const run = await strapi.db.query(RUN_UID).create({
          data: {
            status: 'created',
            definition: definition.id,
            definitionSnapshot: snapshot,
            cluster: cluster.id,
            includeChildren: selection.includeChildren,
            includeAlreadySent: selection.includeAlreadySent,
            periodStart: selection.periodStart,
            periodEnd: selection.periodEnd,
            bcc: criteria.bcc ?? [],
            createdBy: actor.kind === 'admin' ? Number(actor.id) : null,
            // The same instant as its results' timestamps (Strapi would otherwise take its own now).
            createdAt: now,
            updatedAt: now,
            publishedAt: now,
          },
        });
        const dialect = resolveDialect(strapi);
        await insertResultsForRun(trx, tables(), dialect, run.id, selection, now);
        const detail = {
          definition: { documentId: snapshot.documentId, name: snapshot.name },
          cluster: { documentId: cluster.documentId, name: cluster.name },
          includeChildren: selection.includeChildren,
          periodStart: selection.periodStart,
          periodEnd: selection.periodEnd,
        };
        const entry = { runId: run.id, type: 'created', at: now, actor, detail, documentId: run.documentId };
        await appendRunEvent(trx, tables(), dialect, entry, now);
        await insertCreationEvents(trx, tables(), dialect, run.id, actor, now);
        if (schedule) await applySchedule(trx, run.id, schedule, actor, now);
        return run.id as number;
      });
      const run = await findById(runId);
      if (run.counts.total >= BULK_RESULTS) {
        // In the background: the answer need not wait for it (until it is done, plans are still good).
        resolveDialect(strapi)
          .refreshStatistics(knex(), tables().results)
          .catch((error) => strapi.log.debug(`[message-runs] refreshing statistics failed: ${error.message}`));
      }
      return { run, message: describeNewRun(run) };
    },

    async transition(documentId: string, action: keyof typeof TRANSITIONS, actor: Actor = SERVER_ACTOR): Promise<Run> {
      const rule = TRANSITIONS[action];
      const run = await findRunRow(documentId);
      if (run.status !== rule.alreadyThere) {
        if (!(rule.from as readonly RunStatus[]).includes(run.status)) {
          throw new ConflictError(`Cannot ${action} this run: ${CONFLICT_HINTS[run.status]}.`, { status: run.status });
        }
        const now = new Date();
        const changes: RunChanges =
          action === 'start'
            ? { started_at: run.startedAt ? new Date(run.startedAt) : now, stopped_at: null, server_failures_in_a_row: 0 }
            : {
                stopped_at: now,
                stop_reason: 'stopped-by-admin',
                last_error: null,
                // Stop cancels a schedule: the run waits for a Start or a new schedule.
                ...(run.status === 'scheduled' ? { scheduled_at: null, time_zone: null, not_after: null } : {}),
              };
        const changed = await strapi.db.transaction(async ({ trx }) => {
          // Only from the state read: the changes above (a cancelled schedule) were chosen for it.
          const moved = await changeRunStatus(trx, tables(), run.id, [run.status], rule.to, now, changes);
          if (!moved) return false;
          // Stop pauses at once: what no worker has handed to SMTP yet is queued again with it.
          if (action === 'stop') await releaseRunClaims(trx, tables(), run.id, now);
          await recordRunEvent(trx, run.id, action === 'start' ? 'started' : 'stopped', actor, now);
          return true;
        });
        getService(strapi, 'counts').forget(run.id);
        if (!changed) {
          // Someone else moved the run in the meantime: answer from its state now.
          return this.transition(documentId, action, actor);
        }
        if (action === 'start') {
          // A run with nothing to send is done as soon as it starts.
          await this.completeIfDone(run.id, SERVER_ACTOR);
        }
      }
      return this.findOne(documentId);
    },

    /** Sets or moves the schedule of a created, stopped or scheduled run. */
    async schedule(documentId: string, schedule: Schedule, actor: Actor = SERVER_ACTOR): Promise<Run> {
      const run = await findRunRow(documentId);
      if (!SCHEDULABLE.includes(run.status)) {
        throw new ConflictError(`Cannot schedule this run: ${CONFLICT_HINTS[run.status]}.`, { status: run.status });
      }
      const changed = await strapi.db.transaction(({ trx }) => applySchedule(trx, run.id, schedule, actor, new Date()));
      // Started or completed in the meantime: answer from its state now.
      if (!changed) return this.schedule(documentId, schedule, actor);
      return this.findOne(documentId);
    },

    /**
     * Starts the scheduled runs that are due, and stops those past their `notAfter`, with their
     * history entries in the same transaction: one instance's write changes a run, so one entry.
     */
    async startDue(actor: Actor) {
      const now = new Date();
      const { missed, started } = await strapi.db.transaction(async ({ trx }) => {
        const due = await startDueRuns(trx, tables(), now);
        for (const runId of due.missed) {
          await recordRunEvent(trx, runId, 'stopped', actor, now, { stopReason: 'missed-schedule' });
        }
        for (const runId of due.started) await recordRunEvent(trx, runId, 'started', actor, now);
        return due;
      });
      for (const runId of [...missed, ...started]) getService(strapi, 'counts').forget(runId);
      for (const runId of missed) {
        strapi.log.warn(`[message-runs] run ${runId} was not started: its schedule's notAfter had passed`);
      }
      // A run with nothing to send is done as soon as it starts.
      for (const runId of started) await this.completeIfDone(runId, actor);
      return { missed, started };
    },

    /** Deletes the run and its results; its history stays, with the `deleted` entry. */
    async delete(documentId: string, actor: Actor = SERVER_ACTOR) {
      const run = await findRunRow(documentId);
      if (run.status === 'running') {
        throw new ConflictError('Cannot delete this run: it is running; stop it first.', { status: run.status });
      }
      const removedResults = await strapi.db.transaction(async ({ trx }) => {
        // Holds the run (a row lock on PostgreSQL) unless it was started in the meantime.
        const held = await trx(tables().runs)
          .where('id', run.id)
          .whereNot('status', 'running')
          .update({ status: run.status });
        if (!held) throw new ConflictError('Cannot delete this run: it is running; stop it first.');
        // Stopped, it may still have messages at the SMTP server: their record must stay.
        const sending = await countSendingResults(trx, tables(), run.id);
        if (sending) {
          throw new ConflictError(
            `Cannot delete this run: ${sending} of its messages ${sending === 1 ? 'is' : 'are'} being sent; try again once they are done.`,
            { status: run.status, sending }
          );
        }
        const removed = await deleteRunResults(trx, tables(), run.id);
        await trx(tables().runs).where('id', run.id).delete();
        await recordRunEvent(trx, run.id, 'deleted', actor, new Date(), { removedResults: removed });
        return removed;
      });
      return { documentId, removedResults };
    },

    /**
     * The queue pauses a run whose last `failures` attempts in a row failed on the server's side: a
     * Stop with its reason and the server's answer, and the results waiting to retry after such a
     * failure are queued again (their attempt was not counted), to go once the run is started.
     */
    async pauseAfterFailures(runId: number, lastError: string, failures: number, actor: Actor) {
      const now = new Date();
      const paused = await strapi.db.transaction(async ({ trx }) => {
        const changes: RunChanges = { stopped_at: now, stop_reason: 'paused-after-failures', last_error: lastError };
        const moved = await changeRunStatus(trx, tables(), runId, ['running'], 'stopped', now, changes);
        if (moved) {
          await releaseRunClaims(trx, tables(), runId, now);
          await requeueServerFailures(trx, tables(), runId, now);
          await recordRunEvent(trx, runId, 'paused', actor, now, { failures, lastError });
        }
        return moved;
      });
      if (!paused) return;
      getService(strapi, 'counts').forget(runId);
      await getService(strapi, 'webhooks').announceRun(WEBHOOK_EVENTS.runPaused, runId);
      strapi.log.warn(
        `[message-runs] run ${runId} paused itself: ${failures} attempts in a row failed on the mail server's side; the last answer: ${lastError}`
      );
    },

    /**
     * Marks a running run `completed` when nothing is left to send, with its `completed` entry, and
     * announces it (`message-run.completed`): only the caller whose write completed it does.
     */
    async completeIfDone(runId: number, actor: Actor) {
      const now = new Date();
      const completed = await strapi.db.transaction(async ({ trx }) => {
        if (!(await completeRunIfDone(trx, tables(), runId, now))) return false;
        await recordRunEvent(trx, runId, 'completed', actor, now);
        return true;
      });
      if (completed) await getService(strapi, 'webhooks').announceRun(WEBHOOK_EVENTS.runCompleted, runId);
    },

    /** After results were queued again: a completed run runs again. */
    async reopen(runId: number) {
      await changeRunStatus(knex(), tables(), runId, ['completed'], 'running', new Date(), { completed_at: null });
    },
  };
};

function describeNewRun(run: Run) {
  const { total, queued, skipped } = run.counts;
  if (total === 0) {
    return 'No invoice matched the cluster and period: the run has no results.';
  }
  return `The run holds ${total} result${total === 1 ? '' : 's'}: ${queued} queued, ${skipped} skipped.`;
}
