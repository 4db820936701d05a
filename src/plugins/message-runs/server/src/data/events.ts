import type { Knex } from 'knex';
import type { Actor } from '../../../shared/contracts/events';
import { timestamp, type Dialect } from './dialect';
import type { Tables } from './tables';

/** One entry of a result's history or of a run's audit trail (content type `message-event`). */
export interface NewEvent {
  runId: number;
  /** null for the run's own entries */
  resultId: number | null;
  type: string;
  at: Date;
  actor: Actor;
  detail?: Record<string, unknown> | null;
  /** Set for entries that may arrive twice (delivery reports): the second is not written. */
  dedupeKey?: string;
}

/**
 * Writes entries in one statement. Those whose `dedupeKey` is already written are passed over; returns
 * the keys written, so the caller applies what a report changes exactly once, in the same transaction.
 */
export async function insertEvents(knex: Knex, t: Tables, dialect: Dialect, events: NewEvent[], now: Date) {
  if (!events.length) return new Set<string>();
  const rows = events.map((event) => ({
    document_id: dialect.newDocumentId(knex),
    run_id: event.runId,
    result_id: event.resultId,
    type: event.type,
    at: timestamp(knex, event.at),
    actor_kind: event.actor.kind,
    actor_id: event.actor.id,
    actor_name: event.actor.name,
    // Strapi keeps JSON as text on SQLite; PostgreSQL's jsonb takes the same text.
    detail: event.detail ? JSON.stringify(event.detail) : null,
    dedupe_key: event.dedupeKey ?? null,
    created_at: timestamp(knex, now),
    updated_at: timestamp(knex, now),
    published_at: timestamp(knex, now),
  }));
  const written: { dedupe_key: string | null }[] = await knex(t.events)
    .insert(rows, ['dedupe_key'])
    .onConflict('dedupe_key')
    .ignore();
  return new Set(written.map((row) => row.dedupe_key).filter((key): key is string => key !== null));
}
