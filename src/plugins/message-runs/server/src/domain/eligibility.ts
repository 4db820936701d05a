import { SKIP_REASONS } from '../../../shared/constants';

export type SkipReason = (typeof SKIP_REASONS)[number];

/**
 * The rules of eligibility, in the order they are tested: the first that holds names the skip reason
 * (SKIP_REASONS lists them in that order). `already-sent` comes first: that the customer has the
 * invoice matters more than why it could not go now. Each place that decides eligibility tests the
 * rules it can: creation all four (`already-sent` unless the run includes those), a resend the last
 * three, the queue before sending the last three on the data it loaded for the message.
 */
export const SKIP_RULES: readonly SkipReason[] = SKIP_REASONS;

/** Which rules hold for an invoice; a rule left out is not tested. */
export type EligibilityFacts = Partial<Record<SkipReason, boolean>>;

/** The reason an invoice is skipped, or null when it can be sent. */
export function skipReasonOf(facts: EligibilityFacts): SkipReason | null {
  return SKIP_RULES.find((reason) => facts[reason]) ?? null;
}

/** An SQL condition with its bindings (a binding may be a subquery, as knex takes it). */
export interface SqlCondition<Binding> {
  sql: string;
  bindings: Binding[];
}

/**
 * The same rules as one SQL expression: `CASE WHEN <condition> THEN '<reason>' … END`, the conditions
 * given per reason (those left out are not tested), in SKIP_RULES order; NULL when none holds.
 */
export function skipReasonCase<Binding>(conditions: Partial<Record<SkipReason, SqlCondition<Binding>>>): SqlCondition<Binding> {
  const tested = SKIP_RULES.flatMap((reason) => {
    const condition = conditions[reason];
    return condition ? [{ reason, ...condition }] : [];
  });
  if (!tested.length) return { sql: 'NULL', bindings: [] };
  return {
    sql: `CASE ${tested.map(({ reason, sql }) => `WHEN ${sql} THEN '${reason}' `).join('')}END`,
    bindings: tested.flatMap(({ bindings }) => bindings),
  };
}

/** A result's status from its skip reason: queued when it has none. */
export const statusOfReasonSql = (reasonSql: string) => `CASE WHEN ${reasonSql} IS NULL THEN 'queued' ELSE 'skipped' END`;
