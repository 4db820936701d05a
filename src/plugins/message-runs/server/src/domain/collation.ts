/**
 * Which results go in one message: each its own, or, in a run whose definition collates, all of a
 * customer's (one message per customer, its invoices attached together).
 */
export interface Collatable {
  id: number;
  runId: number;
  customerId: number | null;
}

/** Groups results into messages, in the order of each group's first result; `collates` says which runs collate. */
export function groupIntoMessages<R extends Collatable>(results: R[], collates: (runId: number) => boolean): R[][] {
  const groups = new Map<string, R[]>();
  for (const result of results) {
    const key = collates(result.runId) ? `${result.runId}:${result.customerId}` : `result:${result.id}`;
    groups.set(key, [...(groups.get(key) ?? []), result]);
  }
  return [...groups.values()];
}
