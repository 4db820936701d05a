import type { Knex } from 'knex';
import type { InstancePace } from '../../../shared/contracts/settings';
import { toIsoTimestamp } from '../utils';
import { timestamp } from './dialect';
import type { Tables } from './tables';


/** Instances the settings page lists: those that delivered or were throttled within this time. */
const RECENT_MS = 60 * 60 * 1000;

export interface PaceRecord {
  perSecond: number | null;
  lastThrottledAt: Date | null;
  lastThrottle: string | null;
}

/** Records this instance's pace (one row per instance, written when the pace changes). */
export async function recordPace(knex: Knex, t: Tables, instance: string, pace: PaceRecord, now: Date) {
  await knex(t.deliveryInstances)
    .insert({
      instance,
      pace_per_second: pace.perSecond,
      last_throttled_at: pace.lastThrottledAt ? timestamp(knex, pace.lastThrottledAt) : null,
      last_throttle: pace.lastThrottle,
      seen_at: timestamp(knex, now),
    })
    .onConflict('instance')
    .merge();
}

/** The paces of the instances seen within the last hour, the most recently seen first. */
export async function recentPaces(knex: Knex, t: Tables, now: Date): Promise<InstancePace[]> {
  const rows = await knex(t.deliveryInstances)
    .select('instance', 'pace_per_second', 'last_throttled_at', 'last_throttle', 'seen_at')
    .where('seen_at', '>=', timestamp(knex, new Date(now.getTime() - RECENT_MS)))
    .orderBy('seen_at', 'desc');
  return rows.map((row) => ({
    instance: row.instance,
    perSecond: row.pace_per_second === null ? null : Number(row.pace_per_second),
    lastThrottledAt: toIsoTimestamp(row.last_throttled_at),
    lastThrottle: row.last_throttle,
    updatedAt: toIsoTimestamp(row.seen_at)!,
  }));
}

/** Rows of instances not seen for a day are of no use. */
export async function forgetOldInstances(knex: Knex, t: Tables, now: Date) {
  await knex(t.deliveryInstances).where('seen_at', '<', timestamp(knex, new Date(now.getTime() - 24 * RECENT_MS))).delete();
}
