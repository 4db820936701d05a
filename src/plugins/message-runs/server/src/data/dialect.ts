import type { Core } from '@strapi/strapi';
import type { Knex } from 'knex';

/** A bound date as a SQL timestamp, the same way on SQLite and PostgreSQL: for raw SQL. */
export const TIMESTAMP_SQL = 'CAST(? AS TIMESTAMP)';
/** A date as a SQL timestamp, for knex's query builder. */
export const timestamp = (knex: Knex, date: Date) => knex.raw(TIMESTAMP_SQL, [date]);

/** The few SQL expressions that differ between SQLite and PostgreSQL. */
export interface Dialect {
  client: 'sqlite' | 'postgres';
  /**
   * A new document id per row: 24 lowercase letters and digits starting with a letter, the shape of
   * Strapi's own (cuid2) ids, made by the database so that inserting many rows takes one statement.
   */
  newDocumentId(knex: Knex): Knex.Raw;
  /** A boolean member of a JSON column, e.g. the snapshot's `collate`. */
  jsonBoolean(column: string, key: string): string;
  /**
   * A document id made of a letter and a row's integer id (23 hex digits): unique for one row per id,
   * and in id order, so that rows inserted in bulk extend the document-id index at its end instead of
   * at random places (a new run's history: 30% cheaper on PostgreSQL, 20% on SQLite, than random ids).
   */
  documentIdOf(letter: string, idColumn: string): string;
  /** A JSON object of SQL expressions, for a `json` column: jsonObject(`'reason', reason`). */
  jsonObject(pairs: string): string;
  /**
   * The integers of a JSON array bound at `placeholder`, as a one-column set `value`: any number of ids
   * in one binding (a list of bindings has a limit, and a list of ids a statement each is not set-based).
   */
  integersOfJson(placeholder: string): string;
  /**
   * A timestamp column as ISO 8601 text in UTC to the column's full precision (microseconds on
   * PostgreSQL, milliseconds on SQLite): a sort value a cursor can carry without rounding it.
   */
  isoTimestamp(column: string): string;
  /** isoTimestamp's text as a value to compare with a timestamp column. */
  timestampOfIso(knex: Knex, iso: string): Knex.Raw;
  /** What a claiming SELECT ends with: row locks that other workers skip (PostgreSQL), or nothing (SQLite, one writer). */
  lockSkippingLocked(table: string): string;
  /**
   * `column` is one of the few values a subquery returns. On PostgreSQL the subquery runs once, and
   * its values are looked up by `column`'s index: planned as `IN`, with the statistics of a table
   * just filled (a new run) it re-ran the subquery for each row of the run, making a claim of a
   * 2,000-result run take 300 ms instead of 3.
   */
  inValuesOf(column: string, subquery: string): string;
  /**
   * Prepares a transaction for a statement over many rows. On PostgreSQL it turns JIT compilation
   * off: its planner estimates such statements costly enough to compile, which costs more than it saves.
   */
  prepareBulkStatement(trx: Knex): Promise<unknown>;
  /**
   * After many rows were added to a table: on PostgreSQL, refreshes the planner's statistics and the
   * visibility map at once (autovacuum would take up to a minute), so reads of a run's results use its index.
   */
  refreshStatistics(knex: Knex, table: string): Promise<unknown>;
  /**
   * Runs a read of many small index ranges (a results page). On PostgreSQL it prices random reads as
   * on an SSD, so that the planner takes the index scans (at the default price it picked a parallel
   * sequential scan for a run's 100k entries, twice as slow), and turns JIT compilation off: a page's
   * many LIMITed ranges can be estimated costly enough to compile, which costs more than such a read.
   */
  readIndexRange<T>(knex: Knex, read: (knex: Knex) => Promise<T>): Promise<T>;
}

export function resolveDialect(strapi: Core.Strapi): Dialect {
  const client = strapi.db.dialect.client;
  if (client === 'postgres') {
    return {
      client,
      newDocumentId: (knex) => knex.raw(`'r' || substr(replace(gen_random_uuid()::text, '-', ''), 2, 23)`),
      jsonBoolean: (column, key) => `(coalesce(CAST(${column}->>'${key}' AS boolean), false))`,
      documentIdOf: (letter, idColumn) => `'${letter}' || lpad(to_hex(${idColumn}), 23, '0')`,
      jsonObject: (pairs) => `jsonb_build_object(${pairs})`,
      integersOfJson: (placeholder) =>
        `SELECT CAST(value AS integer) AS value FROM json_array_elements_text(CAST(${placeholder} AS json))`,
      isoTimestamp: (column) => `to_char(${column}, 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`,
      // A zone in the text is ignored by a cast to a timestamp without time zone, which Strapi's are.
      timestampOfIso: (knex, iso) => knex.raw(TIMESTAMP_SQL, [iso]),
      lockSkippingLocked: (table) => `FOR UPDATE OF ${table} SKIP LOCKED`,
      inValuesOf: (column, subquery) => `${column} = ANY(ARRAY(${subquery}))`,
      prepareBulkStatement: (trx) => trx.raw('SET LOCAL jit = off'),
      refreshStatistics: (knex, table) => knex.raw('VACUUM (ANALYZE) ??', [table]),
      readIndexRange: (knex, read) =>
        knex.transaction(async (trx) => {
          await trx.raw('SET LOCAL random_page_cost = 1.1');
          await trx.raw('SET LOCAL jit = off');
          return read(trx);
        }),
    };
  }
  if (client === 'sqlite') {
    return {
      client,
      newDocumentId: (knex) => knex.raw(`'r' || substr(lower(hex(randomblob(12))), 2)`),
      jsonBoolean: (column, key) => `(coalesce(json_extract(${column}, '$.${key}'), 0) = 1)`,
      documentIdOf: (letter, idColumn) => `'${letter}' || printf('%023x', ${idColumn})`,
      jsonObject: (pairs) => `json_object(${pairs})`,
      integersOfJson: (placeholder) => `SELECT CAST(value AS INTEGER) AS value FROM json_each(${placeholder})`,
      // Timestamps are epoch milliseconds on SQLite.
      isoTimestamp: (column) => `strftime('%Y-%m-%dT%H:%M:%fZ', ${column} / 1000.0, 'unixepoch')`,
      timestampOfIso: (knex, iso) => knex.raw('?', [Date.parse(iso)]),
      lockSkippingLocked: () => '',
      inValuesOf: (column, subquery) => `${column} IN (${subquery})`,
      prepareBulkStatement: async () => undefined,
      refreshStatistics: async () => undefined,
      readIndexRange: (knex, read) => read(knex),
    };
  }
  throw new Error(`message-runs supports SQLite and PostgreSQL, not ${client}`);
}
