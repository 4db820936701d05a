/**
 * The load test's Strapi instance, a process of its own so the load clients do not share its CPU
 * (fork it; commands over lib/ipc.ts). It listens on HTTP (PORT from env; 0 = any free
 * port) and sends `{ ready: port }`. Commands: `seed` `{ size }` (an admin user and a started run of
 * `size` results; answers the run's documentId and the admin's login), `go` (deliver: tick the
 * queue back to back, as the cron task would), `stop`.
 */
import { randomBytes } from 'crypto';
import type { Knex } from 'knex';
import type { AddressInfo } from 'net';
import { ensureDemoAdmin } from '../lib/admin-user';
import { seedStartedRun } from '../lib/bulk-run';
import { serve } from '../lib/ipc';
import { pluginService } from '../lib/plugin';
import { loadWorkerStrapi, startTicking } from '../lib/worker-strapi';

/** What knex's query events carry that this reads. */
interface QueryEvent {
  __knexQueryUid: string;
  sql: string;
}

/**
 * With LOAD_QUERY_STATS set: the time spent in each SQL statement (knex's query events), printed to
 * stderr on stop, slowest total first, to see which statements limit the API under load.
 */
function collectQueryStats(knex: Knex) {
  const started = new Map<string, bigint>();
  const stats = new Map<string, { n: number; ms: number }>();
  knex.on('query', (query: QueryEvent) => started.set(query.__knexQueryUid, process.hrtime.bigint()));
  knex.on('query-response', (_response: unknown, query: QueryEvent) => {
    const start = started.get(query.__knexQueryUid) ?? process.hrtime.bigint();
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

async function main() {
  const strapi = await loadWorkerStrapi();
  const printQueryStats = process.env.LOAD_QUERY_STATS ? collectQueryStats(strapi.db.connection) : () => {};
  await strapi.listen();
  const queue = pluginService(strapi, 'queue');
  let stopTicking = async () => {};

  const commands = {
    async seed({ size }: { size: number }) {
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
  };
  serve(commands);
  process.send!({ ready: (strapi.server.httpServer.address() as AddressInfo).port });
  return commands;
}

export type LoadServerCommands = Awaited<ReturnType<typeof main>>;

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
