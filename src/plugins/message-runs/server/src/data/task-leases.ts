import type { Knex } from 'knex';
import type { Tables } from './tables';
import { TIMESTAMP_SQL } from './dialect';

/**
 * Takes the lease of task `name` for `holder` until `now + seconds`, in one statement: it inserts the
 * row, or takes it over when it has run out or `holder` already has it (a renewal). Two instances
 * that try at once cannot both win: the row is unique by name, and the update's condition is checked
 * on the row as the database has it when it writes. True when `holder` has the lease.
 */
export async function acquireLease(knex: Knex, t: Tables, name: string, holder: string, now: Date, seconds: number) {
  const result = await knex.raw(
    `INSERT INTO ${t.taskLeases} (name, holder, expires_at) VALUES (?, ?, ${TIMESTAMP_SQL})
     ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
     WHERE ${t.taskLeases}.holder = excluded.holder OR ${t.taskLeases}.expires_at < ${TIMESTAMP_SQL}
     RETURNING holder`,
    [name, holder, new Date(now.getTime() + seconds * 1000), now]
  );
  const rows = (Array.isArray(result) ? result : result.rows) as { holder: string }[];
  return rows.length === 1;
}

/** Gives the lease up, if `holder` still has it, so that any instance may take the next run. */
export async function releaseLease(knex: Knex, t: Tables, name: string, holder: string) {
  await knex(t.taskLeases).where({ name, holder }).delete();
}
