import type { SeededResult, StartedRun } from '../lib/bulk-run';
import type { ResultState } from './worker';

const FINAL_REJECTIONS = new Set(['recipient-rejected', 'smtp-rejected']);

/** The run's final state, as the worker's `results` command answers it. */
export interface FinalState {
  runStatus: string;
  results: ResultState[];
}

/** "sent 540, failed 60 (recipient-rejected)": the run's results per final status (and reason). */
function describeStatuses(results: ResultState[]) {
  const counts = new Map<string, number>();
  for (const { status, reason } of results) {
    const key = status === 'sent' || !reason ? status : `${status} (${reason})`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return [...counts].map(([key, n]) => `${key} ${n}`).join(', ');
}

/**
 * What became of every message of a run under a fault, from the sink's count per result id and the
 * results' final rows in the database. Refused recipients are expected not to be delivered (and to
 * be `failed` with the 550); everything else must have arrived, once, unless it is in
 * `allowedDuplicates`, and be `sent`. `problems` lists every way the run fell short.
 */
export function tally({
  seeded,
  received,
  final,
  allowedDuplicates = new Set(),
  rejected = new Set(),
}: {
  seeded: StartedRun;
  /** Messages the sink accepted, per result id. */
  received: Map<number, number>;
  final: FinalState;
  allowedDuplicates?: Set<number>;
  /** Recipients the sink refuses for good. */
  rejected?: Set<string>;
}) {
  const rowOf = new Map(final.results.map((row) => [row.id, row]));
  const isRefused = (result: SeededResult) => rejected.has(result.recipient);
  const expected = seeded.results.filter((result) => !isRefused(result));
  const refused = seeded.results.filter(isRefused);
  const duplicated = [...received].filter(([, n]) => n > 1).map(([id]) => id);
  const lost = expected.filter((result) => !received.has(result.id)).map((result) => result.id);
  const beyondBound = duplicated.filter((id) => !allowedDuplicates.has(id));
  const notSent = expected.filter((result) => rowOf.get(result.id)?.status !== 'sent').map((result) => result.id);
  const wronglyRefused = refused
    .map((result) => rowOf.get(result.id))
    .filter((row) => row?.status !== 'failed' || !FINAL_REJECTIONS.has(row.reason ?? '') || !/\b550\b/.test(row.error ?? ''));
  const refusedButReceived = refused.filter((result) => received.has(result.id));
  const strangers = [...received.keys()].filter((id) => !rowOf.has(id));

  const problems: string[] = [];
  const sample = (ids: number[]) => ids.slice(0, 5).join(', ') + (ids.length > 5 ? ', …' : '');
  if (lost.length) problems.push(`${lost.length} lost (ids ${sample(lost)})`);
  if (beyondBound.length)
    problems.push(`${beyondBound.length} duplicated beyond the bound (ids ${sample(beyondBound)})`);
  if (notSent.length) {
    // The first one's error says why, which a rerun may not reproduce.
    const first = rowOf.get(notSent[0]);
    const why = first ? `; ${notSent[0]}: ${first.status}${first.reason ? ` (${first.reason})` : ''} "${first.error ?? ''}"` : '';
    problems.push(`${notSent.length} deliverable results not 'sent' in the database (ids ${sample(notSent)}${why})`);
  }
  if (wronglyRefused.length) problems.push(`${wronglyRefused.length} refused results not failed with the 550`);
  if (refusedButReceived.length) problems.push(`${refusedButReceived.length} refused results reached the sink`);
  if (strangers.length) problems.push(`${strangers.length} messages for unknown results`);
  if (final.runStatus !== 'completed') problems.push(`run ended ${final.runStatus}, not completed`);

  return {
    expected: seeded.results.length,
    expectedDelivered: expected.length,
    delivered: seeded.results.filter((result) => received.has(result.id)).length,
    duplicated: duplicated.length,
    beyondBound,
    allowed: allowedDuplicates.size,
    lost: lost.length,
    statuses: describeStatuses(final.results),
    problems,
  };
}
