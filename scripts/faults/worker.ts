/**
 * A Strapi instance that delivers, for the fault suite (fork it; commands over lib/ipc.ts).
 * Like tests/helpers/worker.js, plus what the suite counts with:
 * - each message gets an X-Fault-Result-Ids header naming its results, so the sink counts per result;
 * - the worker reports `{ handing: ids }` just before it hands a message to SMTP and `{ handed: ids,
 *   status }` when nodemailer answers, so the runner knows what a killed worker may have delivered.
 * Commands: `seed` `{ name, size }` (a started run), `results` `{ runId }` (every result's state),
 * `transition` `{ runDocumentId, action }` (start or stop a run), `run` `{ runDocumentId }` (the run as
 * the API shows it), `settings` (the limits and paces, as GET /settings), `go` (tick the queue until `stop`),
 * `stop` (finish the tick, shut down, exit).
 */
import type { Core } from '@strapi/strapi';
import { seedStartedRun } from '../lib/bulk-run';
import { serve } from '../lib/ipc';
import { pluginService, resolveTables, RUN_UID } from '../lib/plugin';
import { loadWorkerStrapi, startTicking } from '../lib/worker-strapi';

const HEADER = 'X-Fault-Result-Ids';

/** What the worker tells the runner besides its answers. */
export type WorkerEvent =
  | { handing: number[] }
  | { handed: number[]; status: 'sent' | 'transient' | 'rejected' }
  | { tickError: string }
  | { warning: string };
const report = (event: WorkerEvent) => process.send!(event);

/** A result's state as the fault tally reads it. */
export interface ResultState {
  id: number;
  status: string;
  reason: string | null;
  error: string | null;
  lockedBy: string | null;
  handedAt: string | null;
}

/** Wraps the plugin's compose and send so that every message names its results and its hand-over is reported. */
function instrument(strapi: Core.Strapi) {
  const messages = pluginService(strapi, 'messages');
  const mailer = pluginService(strapi, 'mailer');
  const compose = messages.compose;
  const send = mailer.send;
  messages.compose = async (...args) => {
    const composed = await compose(...args);
    for (const message of composed) {
      if ('mail' in message) message.mail.headers = { ...message.mail.headers, [HEADER]: message.resultIds.join(',') };
    }
    return composed;
  };
  mailer.send = async (mail, ...rest) => {
    const ids = String((mail.headers as Record<string, unknown>)[HEADER])
      .split(',')
      .map(Number);
    report({ handing: ids });
    const delivery = await send(mail, ...rest);
    report({ handed: ids, status: delivery.status });
    return delivery;
  };
}

async function main() {
  const strapi = await loadWorkerStrapi();
  instrument(strapi);
  // The plugin's warnings (e.g. an outcome write tried again) are evidence of what a fault hit.
  const warn = strapi.log.warn.bind(strapi.log);
  strapi.log.warn = ((message: unknown, ...rest: unknown[]) => {
    report({ warning: String(message) });
    return warn(message as string, ...rest);
  }) as typeof strapi.log.warn;
  const queue = pluginService(strapi, 'queue');
  const tables = resolveTables(strapi);
  let stopTicking = async () => {};

  const commands = {
    seed: ({ name, size }: { name: string; size: number }) => seedStartedRun(strapi, { name, size }),
    async results({ runId }: { runId: number }) {
      const rows = await strapi.db
        .connection(tables.results)
        .select('id', 'status', 'reason', 'error', 'locked_by', 'handed_at')
        .where('run_id', runId)
        .orderBy('id');
      const run = await strapi.db.query(RUN_UID).findOne({ where: { id: runId } });
      return {
        runStatus: run.status as string,
        results: rows.map(
          ({ locked_by: lockedBy, handed_at: handedAt, ...row }): ResultState => ({
            ...row,
            id: Number(row.id),
            lockedBy,
            handedAt,
          })
        ),
      };
    },
    /** What the history says of these results, oldest first: how a message came to go twice. */
    async historyOf({ resultIds }: { resultIds: number[] }) {
      const rows = await strapi.db
        .connection(tables.events)
        .select('result_id', 'type', 'detail')
        .whereIn('result_id', resultIds)
        .orderBy('id');
      return rows.map((row): { resultId: number; type: string; detail: unknown } => ({
        resultId: Number(row.result_id),
        type: row.type,
        detail: row.detail,
      }));
    },
    /**
     * Where the kept counts (data/run-counts.ts) differ from a GROUP BY over the results, every run:
     * "run 3 sent: kept 598, counted 600" (none: they agree).
     */
    async countDrift() {
      const result = await strapi.db.connection.raw(
        `SELECT run_id, status, sum(kept) AS kept, sum(counted) AS counted FROM (
           SELECT run_id, status, sum(n) AS kept, 0 AS counted FROM ${tables.runCounts} GROUP BY run_id, status
           UNION ALL SELECT run_id, status, 0, count(*) FROM ${tables.results} GROUP BY run_id, status
         ) both_counts GROUP BY run_id, status HAVING sum(kept) <> sum(counted)`
      );
      const rows: { run_id: number; status: string; kept: number | string; counted: number | string }[] = Array.isArray(result)
        ? result
        : result.rows;
      return rows.map((row) => `run ${row.run_id} ${row.status}: kept ${Number(row.kept)}, counted ${Number(row.counted)}`);
    },
    /** Starts or stops a run as an admin would (through the runs service); answers the run. */
    transition: ({ runDocumentId, action }: { runDocumentId: string; action: 'start' | 'stop' }) =>
      pluginService(strapi, 'runs').transition(runDocumentId, action),
    run: ({ runDocumentId }: { runDocumentId: string }) => pluginService(strapi, 'runs').findOne(runDocumentId),
    settings: () => pluginService(strapi, 'settings').get(),
    go() {
      // knex puts the statement before the driver's message: keep the message.
      stopTicking = startTicking(queue, (error) => report({ tickError: String(error.message).split(' - ').pop()! }));
    },
    async stop() {
      await stopTicking();
      await strapi.destroy();
      setImmediate(() => process.exit(0));
    },
  };
  serve(commands);
  process.send!({ ready: queue.workerId });
  return commands;
}

export type WorkerCommands = Awaited<ReturnType<typeof main>>;

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
