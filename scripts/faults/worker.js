'use strict';

/**
 * A Strapi instance that delivers, for the fault suite (fork it; commands over scripts/lib/ipc.js).
 * Like tests/helpers/worker.js, plus what the suite counts with:
 * - each message gets an X-Fault-Result-Ids header naming its results, so the sink counts per result;
 * - the worker reports `{ handing: ids }` just before it hands a message to SMTP and `{ handed: ids,
 *   status }` when nodemailer answers, so the runner knows what a killed worker may have delivered.
 * Commands: `seed` `{ name, size }` (a started run), `results` `{ runId }` (every result's state),
 * `transition` `{ runDocumentId, action }` (start or stop a run), `run` `{ runDocumentId }` (the run as
 * the API shows it), `settings` (the limits and paces, as GET /settings), `go` (tick the queue until `stop`),
 * `stop` (finish the tick, shut down, exit).
 */
const { loadWorkerStrapi, startTicking } = require('../lib/worker-strapi');
const { seedStartedRun } = require('../lib/bulk-run');
const { serve } = require('../lib/ipc');

const HEADER = 'X-Fault-Result-Ids';

/** Wraps the plugin's compose and send so that every message names its results and its hand-over is reported. */
function instrument(plugin) {
  const messages = plugin.service('messages');
  const mailer = plugin.service('mailer');
  const compose = messages.compose;
  const send = mailer.send;
  messages.compose = async (claimed) => {
    const composed = await compose(claimed);
    for (const message of composed) {
      if (message.mail) message.mail.headers = { ...message.mail.headers, [HEADER]: message.resultIds.join(',') };
    }
    return composed;
  };
  mailer.send = async (mail, notBefore) => {
    const ids = mail.headers[HEADER].split(',').map(Number);
    process.send({ handing: ids });
    const delivery = await send(mail, notBefore);
    process.send({ handed: ids, status: delivery.status });
    return delivery;
  };
}

(async () => {
  const strapi = await loadWorkerStrapi();
  const plugin = strapi.plugin('message-runs');
  instrument(plugin);
  // The plugin's warnings (e.g. an outcome write tried again) are evidence of what a fault hit.
  const warn = strapi.log.warn.bind(strapi.log);
  strapi.log.warn = (message, ...rest) => {
    process.send({ warning: String(message) });
    return warn(message, ...rest);
  };
  const queue = plugin.service('queue');
  const results = strapi.db.metadata.get('plugin::message-runs.message-result').tableName;
  let stopTicking = async () => {};

  serve({
    seed: ({ name, size }) => seedStartedRun(strapi, { name, size }),
    async results({ runId }) {
      const rows = await strapi.db
        .connection(results)
        .select('id', 'status', 'reason', 'error', 'locked_by', 'handed_at')
        .where('run_id', runId)
        .orderBy('id');
      const run = await strapi.db.query('plugin::message-runs.message-run').findOne({ where: { id: runId } });
      return {
        runStatus: run.status,
        results: rows.map(({ locked_by: lockedBy, handed_at: handedAt, ...row }) => ({
          ...row,
          id: Number(row.id),
          lockedBy,
          handedAt,
        })),
      };
    },
    /** What the history says of these results, oldest first: how a message came to go twice. */
    async historyOf({ resultIds }) {
      const rows = await strapi.db
        .connection('message_events')
        .select('result_id', 'type', 'detail')
        .whereIn('result_id', resultIds)
        .orderBy('id');
      return rows.map((row) => ({ resultId: Number(row.result_id), type: row.type, detail: row.detail }));
    },
    /** Starts or stops a run as an admin would (through the runs service); answers the run. */
    transition: ({ runDocumentId, action }) => plugin.service('runs').transition(runDocumentId, action),
    run: ({ runDocumentId }) => plugin.service('runs').findOne(runDocumentId),
    settings: () => plugin.service('settings').get(),
    go() {
      // knex puts the statement before the driver's message: keep the message.
      stopTicking = startTicking(queue, (error) =>
        process.send({ tickError: String(error.message).split(' - ').pop() })
      );
    },
    async stop() {
      await stopTicking();
      await strapi.destroy();
      setImmediate(() => process.exit(0));
    },
  });
  process.send({ ready: queue.workerId });
})().catch((error) => {
  console.error(error);
  process.exit(1);
});
