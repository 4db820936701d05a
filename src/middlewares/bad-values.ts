import { AsyncLocalStorage } from 'async_hooks';
import type { Core } from '@strapi/strapi';
import { errors } from '@strapi/utils';

/**
 * Answers, on any route, a value from the request that the database or Strapi's query parsing cannot
 * take (a word where a filter or an id wants a number, an object bound as an id, a date PostgreSQL
 * has no day for) with a 400 instead of a 500. Strapi passes filter values and ids to the database
 * as the client sent them, so these surface only as the database's or the parser's error:
 * - PostgreSQL: SQLSTATE class 22, data exception (22P02 invalid text, 22007/22008 dates, 22003 range);
 * - SQLite: SQLITE_MISMATCH, "datatype mismatch"; better-sqlite3: the TypeError "can only bind numbers, strings…";
 * - @strapi/database: "Expected a valid Number, got …" (its date format errors Strapi already answers with 400).
 * Every other error (a lost connection, a constraint, a bug) stays a 500 with its cause logged.
 *
 * On PostgreSQL a data exception inside a transaction aborts it; when Strapi catches that first error
 * (its relation check turns any failure into "Invalid relations"), the next query fails with 25P02,
 * "current transaction is aborted". So the first data exception of each request is remembered (knex's
 * `query-error` event, tied to the request through AsyncLocalStorage) and a later 25P02 is answered as
 * that exception. Either way the failed transaction is rolled back: nothing is written.
 */

const BAD_VALUE_MESSAGES = [
  /can only bind numbers, strings, bigints, buffers, and null$/i,
  /^Expected a valid (Number|BigInteger), got/,
];
const TRANSACTION_ABORTED = '25P02';

type DatabaseError = Error & { code?: unknown };

/** knex prefixes the SQL to the database's message; the client needs only the reason. */
const reason = (error: Error) => error.message.split(' - ').pop()!.trim();

const isBadValue = (error: unknown): error is DatabaseError => {
  // Not `instanceof Error`: better-sqlite3's errors (its native TypeError, its SqliteError) may come from
  // another realm (under jest, they do), so an error is anything with a message.
  if (typeof (error as Error | undefined)?.message !== 'string') return false;
  const { code } = error as DatabaseError;
  if (code === 'SQLITE_MISMATCH' || (typeof code === 'string' && /^22[0-9A-Z]{3}$/.test(code))) return true;
  return BAD_VALUE_MESSAGES.some((pattern) => pattern.test(reason(error as Error)));
};

const firstBadValue = new AsyncLocalStorage<{ error?: DatabaseError }>();

/** Remembers the first data exception of the request the failing query runs for. */
export function rememberBadValues(strapi: Core.Strapi) {
  strapi.db.connection.on('query-error', (error: unknown) => {
    const request = firstBadValue.getStore();
    if (request && !request.error && isBadValue(error)) request.error = error;
  });
}

export default (): Core.MiddlewareHandler => async (ctx, next) => {
  const request: { error?: DatabaseError } = {};
  try {
    await firstBadValue.run(request, next);
  } catch (error) {
    const aborted = (error as DatabaseError)?.code === TRANSACTION_ABORTED;
    const badValue = isBadValue(error) ? error : aborted ? request.error : undefined;
    if (!badValue) throw error;
    const message = `Invalid value: ${reason(badValue)}`;
    throw new errors.ValidationError(message, { errors: [{ path: [], message, name: 'ValidationError' }] });
  }
};
