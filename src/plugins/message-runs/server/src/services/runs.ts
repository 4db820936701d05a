import type { Core } from '@strapi/strapi';
import { PLUGIN_ID, SKIP_REASONS, WEBHOOK_EVENTS, type RunEventType, type RunStatus } from '../../../shared/constants';
import type { Actor } from '../../../shared/contracts/events';
import type { PreviewRun, Run, RunCriteria, Schedule } from '../../../shared/contracts/runs';
import type { SelectionCriteria } from '../data/invoice-selection';
import { createRepositories, type Repositories } from '../data/repositories';
import type { RunChanges, RunRow } from '../data/runs';
import { eligibilityOf, snapshotOf, type DefinitionEntity } from '../domain/definition';
import { decideRunAction, refusal, runMay } from '../domain/states';
import { ConflictError, fieldError, notFound } from '../errors';
import { getService, SERVER_ACTOR, toIsoTimestamp } from '../utils';

const DEFINITION_UID = 'api::message-definition.message-definition';
const CLUSTER_UID = 'api::customer-cluster.customer-cluster';

/** From this many new results on, the database's planner statistics are refreshed after creation. */
export const BULK_RESULTS = 10_000;

export default ({ strapi }: { strapi: Core.Strapi }) => {
  const repositories = createRepositories(strapi);

  /** Looks up the definition and cluster the request names; a 400 on the field that names neither. */
  async function resolveCriteria(criteria: RunCriteria) {
    const definition: DefinitionEntity | null = await strapi.db.query(DEFINITION_UID).findOne({
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
    const snapshot = snapshotOf(definition);
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
    const run = await repositories.runs.findRow({ documentId });
    if (!run) throw notFound('message run', documentId);
    return run;
  }

  async function toRuns(rows: RunRow[]): Promise<Run[]> {
    const counts = await repositories.counts.ofRuns(rows.map((row) => row.id));
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
  const findById = async (id: number) => {
    const row = await repositories.runs.findRow({ id });
    if (!row) throw notFound('message run', String(id));
    return toRun(row);
  };

  /** A run's own history entry, in the transaction (`trx`) of the change it records. */
  const recordRunEvent = (
    trx: Repositories,
    runId: number,
    type: RunEventType,
    actor: Actor,
    now: Date,
    detail: Record<string, unknown> | null = null
  ) => trx.events.appendRun({ runId, type, at: now, actor, detail }, now);

  /** Sets (or moves) the schedule of a run that may be scheduled, with its `scheduled` entry. */
  async function applySchedule(trx: Repositories, runId: number, schedule: Schedule, actor: Actor, now: Date) {
    const changes: RunChanges = {
      scheduled_at: schedule.scheduledAt,
      time_zone: schedule.timeZone,
      not_after: schedule.notAfter,
    };
    if (!(await trx.runs.changeStatus(runId, 'schedule', now, changes))) return false;
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
      const { rows, pagination } = await repositories.runs.findPage({ page, pageSize, status });
      return { runs: await toRuns(rows), pagination };
    },

    /** What a run with these criteria would hold, counted; nothing is written. */
    async preview(criteria: RunCriteria): Promise<PreviewRun.Response['data']> {
      const { selection, snapshot } = await resolveCriteria(criteria);
      const { byReason: countsByReason, languages } = await repositories.transaction(async (trx) => {
        await trx.prepareBulkStatement();
        return trx.results.countSelection(selection, {
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
      const runId = await repositories.transaction(async (trx) => {
        const run = await trx.runs.insert(
          {
            definitionId: definition.id,
            snapshot,
            clusterId: cluster.id,
            includeChildren: selection.includeChildren,
            includeAlreadySent: selection.includeAlreadySent,
            periodStart: selection.periodStart,
            periodEnd: selection.periodEnd,
            bcc: criteria.bcc ?? [],
            createdBy: actor.kind === 'admin' ? Number(actor.id) : null,
          },
          now
        );
        await trx.results.insertForRun(run.id, selection, now);
        const detail = {
          definition: { documentId: snapshot.documentId, name: snapshot.name },
          cluster: { documentId: cluster.documentId, name: cluster.name },
          includeChildren: selection.includeChildren,
          periodStart: selection.periodStart,
          periodEnd: selection.periodEnd,
        };
        await trx.events.appendRun({ runId: run.id, type: 'created', at: now, actor, detail, documentId: run.documentId }, now);
        await trx.events.insertCreation(run.id, actor, now);
        if (schedule) await applySchedule(trx, run.id, schedule, actor, now);
        return run.id;
      });
      const run = await findById(runId);
      if (run.counts.total >= BULK_RESULTS) {
        // In the background: the answer need not wait for it (until it is done, plans are still good).
        repositories.results
          .refreshStatistics()
          .catch((error: Error) => strapi.log.debug(`[message-runs] refreshing statistics failed: ${error.message}`));
      }
      return { run, message: describeNewRun(run) };
    },

    async transition(documentId: string, action: 'start' | 'stop', actor: Actor = SERVER_ACTOR): Promise<Run> {
      const run = await findRunRow(documentId);
      const decision = decideRunAction(action, run.status);
      if (decision === 'refused') throw new ConflictError(refusal(action, run.status), { status: run.status });
      if (decision === 'change') {
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
        const changed = await repositories.transaction(async (trx) => {
          // Only from the state read: the changes above (a cancelled schedule) were chosen for it.
          const moved = await trx.runs.changeStatus(run.id, action, now, changes, [run.status]);
          if (!moved) return false;
          // Stop pauses at once: what no worker has handed to SMTP yet is queued again with it.
          if (action === 'stop') await trx.queue.releaseOfRun(run.id, now);
          await recordRunEvent(trx, run.id, action === 'start' ? 'started' : 'stopped', actor, now);
          return true;
        });
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
      if (!runMay('schedule', run.status)) {
        throw new ConflictError(refusal('schedule', run.status), { status: run.status });
      }
      const changed = await repositories.transaction((trx) => applySchedule(trx, run.id, schedule, actor, new Date()));
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
      const { missed, started } = await repositories.transaction(async (trx) => {
        const due = await trx.runs.startDue(now);
        for (const runId of due.missed) {
          await recordRunEvent(trx, runId, 'stopped', actor, now, { stopReason: 'missed-schedule' });
        }
        for (const runId of due.started) await recordRunEvent(trx, runId, 'started', actor, now);
        return due;
      });
      for (const runId of missed) {
        strapi.log.warn(`[message-runs] run ${runId} was not started: its schedule's notAfter had passed`);
      }
      // A run with nothing to send is done as soon as it starts.
      for (const runId of started) await this.completeIfDone(runId, actor);
      return { missed, started };
    },

    /**
     * The repair path: counts the run's results again in place of its kept counts. The run with its
     * counts, and where the kept counts were wrong (a drift is logged: the triggers should make none).
     */
    async recount(documentId: string) {
      const row = await findRunRow(documentId);
      const drift = await repositories.counts.recount(row.id);
      if (Object.keys(drift).length) {
        strapi.log.warn(`[message-runs] run ${row.id}'s kept counts were wrong, now counted again: ${JSON.stringify(drift)}`);
      }
      return { run: await toRun(row), drift };
    },

    /**
     * At boot, once per database: results made before they kept their invoice number and customer
     * code and name get them (a store entry records it, so later boots skip the table scan).
     */
    async copyResultSortValuesOnce() {
      const store = strapi.store({ type: 'plugin', name: PLUGIN_ID, key: 'result-sort-values-copied' });
      if (await store.get()) return;
      const copied = await repositories.results.copySortValues();
      if (copied) strapi.log.info(`[message-runs] ${copied} results got their invoice number and customer code and name, for sorting`);
      await store.set({ value: true });
    },

    /** At boot: the triggers that keep the runs' counts (data/run-counts.ts), every run counted again if one was missing. */
    async installCountTriggers() {
      if (await repositories.counts.installTriggers()) {
        strapi.log.info('[message-runs] the triggers keeping run counts were (re)created and every run was counted again');
      }
    },

    /** Deletes the run and its results; its history stays, with the `deleted` entry. */
    async delete(documentId: string, actor: Actor = SERVER_ACTOR) {
      const run = await findRunRow(documentId);
      if (!runMay('delete', run.status)) throw new ConflictError(refusal('delete', run.status), { status: run.status });
      const removedResults = await repositories.transaction(async (trx) => {
        // Holds the run unless it was started in the meantime.
        if (!(await trx.runs.holdDeletable(run.id))) throw new ConflictError(refusal('delete', 'running'));
        // Stopped, it may still have messages at the SMTP server: their record must stay.
        const sending = await trx.results.countSending(run.id);
        if (sending) {
          throw new ConflictError(
            `Cannot delete this run: ${sending} of its messages ${sending === 1 ? 'is' : 'are'} being sent; try again once they are done.`,
            { status: run.status, sending }
          );
        }
        const removed = await trx.results.deleteOfRun(run.id);
        await trx.runs.delete(run.id);
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
      const paused = await repositories.transaction(async (trx) => {
        const changes: RunChanges = { stopped_at: now, stop_reason: 'paused-after-failures', last_error: lastError };
        const moved = await trx.runs.changeStatus(runId, 'pause', now, changes);
        if (moved) {
          await trx.queue.releaseOfRun(runId, now);
          await trx.queue.requeueServerFailures(runId, now);
          await recordRunEvent(trx, runId, 'paused', actor, now, { failures, lastError });
        }
        return moved;
      });
      if (!paused) return;
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
      const completed = await repositories.transaction(async (trx) => {
        if (!(await trx.runs.completeIfDone(runId, now))) return false;
        await recordRunEvent(trx, runId, 'completed', actor, now);
        return true;
      });
      if (completed) await getService(strapi, 'webhooks').announceRun(WEBHOOK_EVENTS.runCompleted, runId);
    },

    /** After results were queued again: a completed run runs again. */
    async reopen(runId: number) {
      await repositories.runs.changeStatus(runId, 'reopen', new Date(), { completed_at: null });
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
