import type { Knex } from 'knex';
import type { Tables } from './tables';

/**
 * The shared rate limit: each instance reserves its messages in the current minute's window before it
 * claims them, with a guarded increment, so all instances together never exceed the limit.
 */
const minuteOf = (now: Date) => Math.floor(now.getTime() / 60_000);

export interface Reservation {
  minute: number;
  granted: number;
}

/** Reserves up to `wanted` sends in the current minute; `granted` may be 0 (the minute is used up). */
export async function reserveSends(knex: Knex, t: Tables, wanted: number, limitPerMinute: number, now: Date): Promise<Reservation> {
  const minute = minuteOf(now);
  await knex(t.sendWindows).insert({ minute, sent: 0 }).onConflict('minute').ignore();
  // A few tries: another instance may take part of what is left between the read and the update.
  for (let attempt = 0; attempt < 5; attempt++) {
    const window = await knex(t.sendWindows).select('sent').where({ minute }).first();
    const granted = Math.min(wanted, limitPerMinute - Number(window?.sent ?? limitPerMinute));
    if (granted <= 0) return { minute, granted: 0 };
    const updated = await knex(t.sendWindows)
      .where({ minute })
      .where('sent', '<=', limitPerMinute - granted)
      .increment('sent', granted);
    if (updated) return { minute, granted };
  }
  return { minute, granted: 0 };
}

/** Gives back reserved sends that were not used (fewer messages were sent than reserved). */
export async function releaseSends(knex: Knex, t: Tables, { minute }: Reservation, unused: number) {
  if (unused > 0) await knex(t.sendWindows).where({ minute }).decrement('sent', unused);
}

/** Windows older than an hour are of no use. */
export async function forgetOldWindows(knex: Knex, t: Tables, now: Date) {
  await knex(t.sendWindows).where('minute', '<', minuteOf(now) - 60).delete();
}
