import { createHash } from 'crypto';
import type { ResultStatus } from '../../../shared/constants';
import { RESULT_SORT_KEYS, type ResultSortKey } from '../../../shared/contracts/results';

/**
 * The results list's cursors (DESIGN.md §3): where the next page starts, as base64url JSON of the
 * sort, a fingerprint of the filter, and the last row's sort value and id. A cursor is opaque to
 * clients, and hostile input to the server: every part is checked before it reaches SQL.
 */

export interface ResultSort {
  key: ResultSortKey;
  order: 'asc' | 'desc';
}
/** A sort value as a cursor carries it: timestamps as ISO 8601 text in UTC (Dialect.isoTimestamp). */
export type SortValue = string | number | null;
/** After the row with this sort value and id. */
export interface ResultsAfter {
  value: SortValue;
  id: number;
}
type ResultsFilter = { statuses?: ResultStatus[]; q?: string };

/** What each sort key's values are, and whether one may be NULL. */
export const SORT_VALUES: Record<ResultSortKey, { kind: 'integer' | 'text' | 'timestamp'; nullable: boolean }> = {
  createdAt: { kind: 'integer', nullable: false },
  status: { kind: 'text', nullable: false },
  recipient: { kind: 'text', nullable: true },
  attempts: { kind: 'integer', nullable: true },
  lastAttemptAt: { kind: 'timestamp', nullable: true },
  sentAt: { kind: 'timestamp', nullable: true },
  'invoice.number': { kind: 'text', nullable: true },
  'customer.code': { kind: 'text', nullable: true },
  'customer.name': { kind: 'text', nullable: true },
};

/** Longer than any cursor the list gives (a text sort value is a string column, at most 255 characters). */
export const MAX_CURSOR_LENGTH = 2048;
const MAX_TEXT_VALUE = 1000;
/** Milliseconds (SQLite) or microseconds (PostgreSQL); a year from 0001, which PostgreSQL has. */
const ISO_TIMESTAMP = /^(?!0000)\d{4}-\d{2}-\d{2}T([01]\d|2[0-3]):[0-5]\d:[0-5]\d\.\d{3,6}Z$/;

/** The same for the same statuses in any order and repetition, and the same search. */
const fingerprint = ({ statuses = [], q = '' }: ResultsFilter) =>
  createHash('sha256')
    .update(JSON.stringify([[...new Set(statuses)].sort(), q]))
    .digest('base64url')
    .slice(0, 16);

export const encodeResultsCursor = (sort: ResultSort, filter: ResultsFilter, after: ResultsAfter) =>
  Buffer.from(
    JSON.stringify({ k: sort.key, o: sort.order, f: fingerprint(filter), v: after.value, i: after.id })
  ).toString('base64url');

function isSortValue(key: ResultSortKey, value: unknown) {
  const { kind, nullable } = SORT_VALUES[key];
  if (value === null) return nullable;
  if (kind === 'integer') return Number.isSafeInteger(value);
  if (typeof value !== 'string') return false;
  if (kind === 'text') return value.length <= MAX_TEXT_VALUE && !value.includes('\0');
  // The calendar check: Date rolls 02-30 over to March.
  return ISO_TIMESTAMP.test(value) && new Date(value).toISOString().slice(0, 10) === value.slice(0, 10);
}

function parse(text: string): unknown {
  if (!/^[A-Za-z0-9_-]+$/.test(text)) return undefined;
  try {
    return JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
}

/**
 * The place a cursor names, for a request with this sort and filter; or why it is refused, as the
 * rest of a sentence that begins with "cursor".
 */
export function decodeResultsCursor(
  text: string,
  sort: ResultSort,
  filter: ResultsFilter
): { after: ResultsAfter } | { problem: string } {
  const cursor = parse(text) as Record<string, unknown> | undefined;
  const valid =
    typeof cursor === 'object' &&
    cursor !== null &&
    !Array.isArray(cursor) &&
    Object.keys(cursor).sort().join() === 'f,i,k,o,v' &&
    (RESULT_SORT_KEYS as readonly unknown[]).includes(cursor.k) &&
    (cursor.o === 'asc' || cursor.o === 'desc') &&
    typeof cursor.f === 'string' &&
    Number.isSafeInteger(cursor.i) &&
    (cursor.i as number) > 0 &&
    isSortValue(cursor.k as ResultSortKey, cursor.v);
  if (!valid) return { problem: 'is not a cursor this list gave: pass meta.cursor from the previous page as it came' };
  if (cursor.k !== sort.key || cursor.o !== sort.order) {
    return {
      problem: `was made for sort=${cursor.k}:${cursor.o}, not ${sort.key}:${sort.order}: give the sort it was made for, or page instead`,
    };
  }
  if (cursor.f !== fingerprint(filter)) {
    return { problem: 'was made for another status or q: give the filter it was made for, or page instead' };
  }
  return { after: { value: cursor.v as SortValue, id: cursor.i as number } };
}
