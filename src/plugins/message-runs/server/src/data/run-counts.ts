import type { Knex } from 'knex';
import { RESULT_STATUSES, type ResultStatus } from '../../../shared/constants';
import type { CountsDrift, ResultCounts } from '../../../shared/contracts/runs';
import type { Dialect } from './dialect';
import type { Tables } from './tables';

/**
 * A run's results per status, kept in the counts table (content type `run-count`) by triggers on the
 * results table, in the transaction of every change to a result, whatever writes it: reading a run's
 * counts costs the same at 1k results as at 1M.
 *
 * PostgreSQL: statement-level triggers with transition tables append one delta row per (run, status)
 * a statement changed (an UPDATE: -1 per old row, +1 per new row; none when the status stayed, as on a
 * lease renewal). Appending takes no row lock, so instances claiming and recording outcomes of one run
 * never wait on (nor deadlock over) a counter row, and a run's creation adds one row per status.
 * `compactRunCounts` folds a run's deltas into one row per status.
 *
 * SQLite (one writer at a time): row-level triggers keep exactly one row per (run, status).
 *
 * A run's rows go with it (a trigger on the runs table: however the run is deleted).
 */

/**
 * PostgreSQL advisory lock class of a run's counts: `pg_advisory_xact_lock(COUNTS_LOCK, runId)` is
 * taken by the recount and the compaction of a run, which must not interleave. Both delete the run's
 * rows and insert rows in their place. A compaction that commits after a recount's snapshot was taken
 * has deleted rows the recount then finds gone, and inserted a sum row the recount cannot see: the
 * recount's count of the results, which already includes what that sum stood for, would be added to
 * it (counted twice). Delta rows written by triggers need no lock: a delta committed before the
 * recount's snapshot is deleted by it and its change is in its count; one committed after is neither.
 */
const COUNTS_LOCK = 0x6d72636e; // 'mrcn'

/** A run's rows from which `compactRunCounts` folds them: a few ticks' worth of deltas. */
export const COMPACT_FROM_ROWS = 40;

const triggerNames = (t: Tables) => ({
  inserted: `${t.runCounts}_ins`,
  updated: `${t.runCounts}_upd`,
  deleted: `${t.runCounts}_del`,
  runDeleted: `${t.runCounts}_run_del`,
});

const rowsOf = <T>(result: unknown): T[] => (Array.isArray(result) ? result : (result as { rows: T[] }).rows);

/** The triggers' DDL: PostgreSQL's trigger functions, then the triggers (SQLite's hold their bodies). */
function triggerStatements(t: Tables, dialect: Dialect): { functions: string[]; triggers: string[] } {
  const names = triggerNames(t);
  const c = t.runCounts;
  if (dialect.client === 'postgres') {
    // (Transition tables allow no column list: the UPDATE trigger fires on every update; HAVING
    // makes those that change no status, such as lease renewals, write nothing.)
    const deltas = (changes: string) =>
      `INSERT INTO ${c} (run_id, status, n)
       SELECT run_id, status, sum(d) FROM (${changes}) changes GROUP BY run_id, status HAVING sum(d) <> 0`;
    const fn = (name: string, body: string) =>
      `CREATE OR REPLACE FUNCTION ${name}() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN ${body}; RETURN NULL; END $$`;
    return {
      functions: [
        fn(names.inserted, deltas('SELECT run_id, status, 1 AS d FROM new_rows')),
        fn(
          names.updated,
          deltas('SELECT run_id, status, -1 AS d FROM old_rows UNION ALL SELECT run_id, status, 1 FROM new_rows')
        ),
        fn(names.deleted, deltas('SELECT run_id, status, -1 AS d FROM old_rows')),
        fn(names.runDeleted, `DELETE FROM ${c} WHERE run_id = OLD.id`),
      ],
      triggers: [
        `CREATE TRIGGER ${names.inserted} AFTER INSERT ON ${t.results}
       REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION ${names.inserted}()`,
        `CREATE TRIGGER ${names.updated} AFTER UPDATE ON ${t.results}
       REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION ${names.updated}()`,
        `CREATE TRIGGER ${names.deleted} AFTER DELETE ON ${t.results}
       REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION ${names.deleted}()`,
        `CREATE TRIGGER ${names.runDeleted} AFTER DELETE ON ${t.runs} FOR EACH ROW EXECUTE FUNCTION ${names.runDeleted}()`,
      ],
    };
  }
  const add = (row: 'NEW' | 'OLD', by: 1 | -1) =>
    `UPDATE ${c} SET n = n + (${by}) WHERE run_id = ${row}.run_id AND status = ${row}.status;` +
    (by > 0
      ? ` INSERT INTO ${c} (run_id, status, n) SELECT ${row}.run_id, ${row}.status, 1
          WHERE NOT EXISTS (SELECT 1 FROM ${c} WHERE run_id = ${row}.run_id AND status = ${row}.status);`
      : '');
  return {
    functions: [],
    triggers: [
      `CREATE TRIGGER ${names.inserted} AFTER INSERT ON ${t.results} FOR EACH ROW BEGIN ${add('NEW', 1)} END`,
      `CREATE TRIGGER ${names.updated} AFTER UPDATE OF status, run_id ON ${t.results} FOR EACH ROW
     WHEN OLD.status IS NOT NEW.status OR OLD.run_id IS NOT NEW.run_id
     BEGIN ${add('OLD', -1)} ${add('NEW', 1)} END`,
      `CREATE TRIGGER ${names.deleted} AFTER DELETE ON ${t.results} FOR EACH ROW BEGIN ${add('OLD', -1)} END`,
      `CREATE TRIGGER ${names.runDeleted} AFTER DELETE ON ${t.runs} FOR EACH ROW BEGIN DELETE FROM ${c} WHERE run_id = OLD.id; END`,
    ],
  };
}

/**
 * Installs the triggers in one transaction, at every boot, so that a new version of them replaces the
 * old: on PostgreSQL their functions (the triggers themselves are created where missing), on SQLite
 * the triggers, which hold their bodies. When one was missing (first install on a database with runs, or SQLite rebuilt
 * the table when Strapi altered its columns, which drops its triggers) every run is counted again in
 * the same transaction: no change to a result can fall between the count and the triggers. True when
 * it counted again.
 */
export async function installRunCountTriggers(knex: Knex, t: Tables, dialect: Dialect) {
  return knex.transaction(async (trx) => {
    // Instances booting at once install one after the other (PostgreSQL fails a CREATE OR REPLACE
    // FUNCTION racing another with "tuple concurrently updated"). Run ids start at 1: 0 is free.
    if (dialect.client === 'postgres') await trx.raw('SELECT pg_advisory_xact_lock(?, 0)', [COUNTS_LOCK]);
    const names = Object.values(triggerNames(t));
    const existing = rowsOf<{ name: string }>(
      dialect.client === 'postgres'
        ? await trx.raw(
            `SELECT tgname AS name FROM pg_trigger WHERE NOT tgisinternal AND tgrelid IN (to_regclass(?), to_regclass(?))`,
            [t.results, t.runs]
          )
        : await trx.raw(`SELECT name FROM sqlite_master WHERE type = 'trigger'`)
    ).map(({ name }) => name);
    const missing = names.some((name) => !existing.includes(name));
    const { functions, triggers } = triggerStatements(t, dialect);
    for (const statement of functions) await trx.raw(statement);
    // On PostgreSQL, triggers in place keep them: replacing their functions takes no lock on the
    // tables, where DROP TRIGGER would hold every read of the results until transactions under way end.
    if (dialect.client === 'postgres' && !missing) return false;
    const tableOf = (name: string) => (name === triggerNames(t).runDeleted ? t.runs : t.results);
    for (const name of names)
      await trx.raw(`DROP TRIGGER IF EXISTS ${name}${dialect.client === 'postgres' ? ` ON ${tableOf(name)}` : ''}`);
    for (const statement of triggers) await trx.raw(statement);
    if (!missing) return false;
    // No compaction may commit a row this count cannot see (see COUNTS_LOCK); the triggers' DDL
    // already keeps the results unchanged until the commit.
    if (dialect.client === 'postgres') await trx.raw(`LOCK TABLE ${t.runCounts} IN SHARE ROW EXCLUSIVE MODE`);
    await trx(t.runCounts).delete();
    await trx.raw(
      `INSERT INTO ${t.runCounts} (run_id, status, n) SELECT run_id, status, count(*) FROM ${t.results} GROUP BY run_id, status`
    );
    return true;
  });
}

const emptyCounts = (): ResultCounts =>
  Object.fromEntries(['total', ...RESULT_STATUSES].map((key) => [key, 0])) as ResultCounts;

/** Counts per status of each run, from the kept counts. */
export async function countResultsByStatus(knex: Knex, t: Tables, runIds: number[]) {
  const counts = new Map(runIds.map((id) => [id, emptyCounts()]));
  if (!runIds.length) return counts;
  const rows: { run_id: number; status: ResultStatus; n: number | string }[] = await knex(t.runCounts)
    .select('run_id', 'status')
    .sum({ n: 'n' })
    .whereIn('run_id', runIds)
    .groupBy('run_id', 'status');
  for (const { run_id: runId, status, n } of rows) {
    const runCounts = counts.get(Number(runId))!;
    runCounts[status] = Number(n);
    runCounts.total += Number(n);
  }
  return counts;
}

/**
 * Counts the run's results again, in place of its kept counts, in one snapshot (PostgreSQL: one
 * statement; SQLite: one transaction, one writer). Returns where the kept counts were wrong.
 */
export async function recountRun(knex: Knex, t: Tables, dialect: Dialect, runId: number): Promise<CountsDrift> {
  const rows = await knex.transaction(async (trx) => {
    if (dialect.client === 'postgres') {
      await trx.raw('SELECT pg_advisory_xact_lock(?, ?)', [COUNTS_LOCK, runId]);
      return rowsOf<{ source: 'kept' | 'counted'; status: ResultStatus; n: string | number }>(
        await trx.raw(
          `WITH gone AS (DELETE FROM ${t.runCounts} WHERE run_id = ? RETURNING status, n),
                counted AS (SELECT status, count(*) AS n FROM ${t.results} WHERE run_id = ? GROUP BY status),
                written AS (INSERT INTO ${t.runCounts} (run_id, status, n) SELECT ?, status, n FROM counted)
           SELECT 'kept' AS source, status, sum(n) AS n FROM gone GROUP BY status
           UNION ALL SELECT 'counted', status, n FROM counted`,
          [runId, runId, runId]
        )
      );
    }
    const kept = await trx(t.runCounts).select('status').sum({ n: 'n' }).where('run_id', runId).groupBy('status');
    await trx(t.runCounts).where('run_id', runId).delete();
    await trx.raw(
      `INSERT INTO ${t.runCounts} (run_id, status, n) SELECT run_id, status, count(*) FROM ${t.results} WHERE run_id = ? GROUP BY run_id, status`,
      [runId]
    );
    const counted = await trx(t.runCounts).select('status', 'n').where('run_id', runId);
    return [
      ...kept.map((row) => ({ ...row, source: 'kept' as const })),
      ...counted.map((row) => ({ ...row, source: 'counted' as const })),
    ] as { source: 'kept' | 'counted'; status: ResultStatus; n: string | number }[];
  });
  const by = (source: 'kept' | 'counted', status: ResultStatus) =>
    Number(rows.find((row) => row.source === source && row.status === status)?.n ?? 0);
  return Object.fromEntries(
    RESULT_STATUSES.filter((status) => by('kept', status) !== by('counted', status)).map((status) => [
      status,
      { kept: by('kept', status), counted: by('counted', status) },
    ])
  );
}

/**
 * PostgreSQL: folds the delta rows of each run that has more than COMPACT_FROM_ROWS into one row per
 * status, each run in a transaction of its own under its lock (COUNTS_LOCK). Runs that two instances
 * compact at once are harmless: each deleted row is summed by the one statement that deleted it.
 * SQLite keeps one row per status already. Returns the runs compacted.
 */
export async function compactRunCounts(knex: Knex, t: Tables, dialect: Dialect) {
  if (dialect.client !== 'postgres') return [];
  const runs: { run_id: number }[] = await knex(t.runCounts)
    .select('run_id')
    .groupBy('run_id')
    .havingRaw('count(*) > ?', [COMPACT_FROM_ROWS]);
  for (const { run_id: runId } of runs) {
    await knex.transaction(async (trx) => {
      await trx.raw('SELECT pg_advisory_xact_lock(?, ?)', [COUNTS_LOCK, runId]);
      await trx.raw(
        `WITH gone AS (DELETE FROM ${t.runCounts} WHERE run_id = ? RETURNING status, n)
         INSERT INTO ${t.runCounts} (run_id, status, n) SELECT ?, status, sum(n) FROM gone GROUP BY status HAVING sum(n) <> 0`,
        [runId, runId]
      );
    });
  }
  return runs.map(({ run_id: runId }) => runId);
}
