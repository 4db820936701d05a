import type { Knex } from 'knex';
import { assignTimes, type Assignment, type Spacing } from '../services/pacing';
import type { Dialect } from './dialect';
import type { Tables } from './tables';

/** Scopes whose row this process knows to exist. */
const existingScopes = new Set<string>();

async function ensureScopes(knex: Knex, t: Tables, scopes: string[]) {
  const missing = scopes.filter((scope) => !existingScopes.has(`${t.sendPacers}:${scope}`));
  if (!missing.length) return;
  await knex(t.sendPacers)
    .insert(missing.map((scope) => ({ scope, next_at: 0 })))
    .onConflict('scope')
    .ignore();
  for (const scope of missing) existingScopes.add(`${t.sendPacers}:${scope}`);
}

/**
 * Takes the messages' times from the shared pacers (see services/pacing.ts) in one transaction that
 * holds the rows of their scopes (a row lock on PostgreSQL, in scope order so two instances never
 * wait on each other; SQLite writes one transaction at a time): every instance's messages are spaced
 * as one stream. Messages with no limited scope take no lock.
 */
export async function reserveSendTimes(
  knex: Knex,
  t: Tables,
  dialect: Dialect,
  request: Omit<Parameters<typeof assignTimes>[0], 'nextAt'> & { spacing: Spacing }
): Promise<Assignment> {
  const scopes = [...new Set(request.scopes.flat())].sort();
  if (!scopes.length) return assignTimes({ ...request, nextAt: {} });
  await ensureScopes(knex, t, scopes);
  return knex.transaction(async (trx) => {
    const query = trx(t.sendPacers).select('scope', 'next_at').whereIn('scope', scopes).orderBy('scope');
    const rows: { scope: string; next_at: string | number }[] = dialect.client === 'postgres' ? await query.forUpdate() : await query;
    const nextAt = Object.fromEntries(rows.map((row) => [row.scope, Number(row.next_at)]));
    const assignment = assignTimes({ ...request, nextAt });
    for (const scope of scopes) {
      if (assignment.nextAt[scope] !== nextAt[scope]) {
        await trx(t.sendPacers).where('scope', scope).update({ next_at: Math.ceil(assignment.nextAt[scope]) });
      }
    }
    return assignment;
  });
}
