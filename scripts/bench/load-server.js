'use strict';

/**
 * The load test's Strapi instance, a process of its own so the load clients do not share its CPU
 * (fork it; commands over scripts/lib/ipc.js). It listens on HTTP (PORT from env; 0 = any free
 * port) and sends `{ ready: port }`. Commands: `seed` `{ size }` (an admin user and a started run of
 * `size` results; answers the run's documentId and the admin's login), `go` (deliver: tick the
 * queue back to back, as the cron task would), `stop`.
 */
const { randomBytes } = require('crypto');
const { loadWorkerStrapi, startTicking } = require('../lib/worker-strapi');
const { seedStartedRun } = require('../lib/bulk-run');
const { ensureDemoAdmin } = require('../lib/admin-user');
const { serve } = require('../lib/ipc');

/**
 * With LOAD_QUERY_STATS set: the time spent in each SQL statement (knex's query events), printed to
 * stderr on stop, slowest total first, to see which statements limit the API under load.
 */
function collectQueryStats(knex) {
  const started = new Map();
  const stats = new Map();
  knex.on('query', (query) => started.set(query.__knexQueryUid, process.hrtime.bigint()));
  knex.on('query-response', (_response, query) => {
    const start = started.get(query.__knexQueryUid);
    started.delete(query.__knexQueryUid);
    const sql = query.sql.replace(/\s+/g, ' ').slice(0, 160);
    const entry = stats.get(sql) ?? { n: 0, ms: 0 };
    entry.n++;
    entry.ms += Number(process.hrtime.bigint() - start) / 1e6;
    stats.set(sql, entry);
  });
  return () => {
    const rows = [...stats].sort((a, b) => b[1].ms - a[1].ms).slice(0, 15);
    for (const [sql, { n, ms }] of rows)
      console.error(`${ms.toFixed(0).padStart(8)} ms ${String(n).padStart(6)}x  ${sql}`);
  };
}

(async () => {
  const strapi = await loadWorkerStrapi();
  const printQueryStats = process.env.LOAD_QUERY_STATS ? collectQueryStats(strapi.db.connection) : () => {};
  await strapi.listen();
  const queue = strapi.plugin('message-runs').service('queue');
  let stopTicking = async () => {};

  serve({
    async seed({ size }) {
      const admin = { email: 'load@example.com', password: `Load-${randomBytes(6).toString('hex')}-9` };
      await ensureDemoAdmin(strapi, admin);
      const { runDocumentId } = await seedStartedRun(strapi, { name: `load-${size}`, size });
      // A production database has planner statistics for its tables; fresh bulk inserts don't yet.
      if (strapi.db.dialect.client === 'postgres') await strapi.db.connection.raw('ANALYZE');
      return { runDocumentId, admin };
    },
    go() {
      stopTicking = startTicking(queue, (error) => strapi.log.error(`[load] tick failed: ${error.message}`));
    },
    async stop() {
      await stopTicking();
      printQueryStats();
      await strapi.destroy();
      setImmediate(() => process.exit(0));
    },
  });
  process.send({ ready: strapi.server.httpServer.address().port });
})().catch((error) => {
  console.error(error);
  process.exit(1);
});
