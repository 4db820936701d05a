import { ACTOR_KINDS } from '../../../../shared/constants';

/**
 * The history of results and runs (DESIGN.md §3, "History"): one row per thing that happened, written
 * in the same statements as the change it records. A run's own entries have no result. Entries outlive
 * the run: deleting a run is itself an entry of its audit trail. Delivery reports (bounces, complaints,
 * provider events) carry `dedupeKey`, unique, so a report that arrives twice is applied once.
 */
export default {
  kind: 'collectionType',
  collectionName: 'message_events',
  info: {
    singularName: 'message-event',
    pluralName: 'message-events',
    displayName: 'Message event',
    description: 'What happened to a message result or run, when, and who did it',
  },
  options: { draftAndPublish: false },
  pluginOptions: {
    'content-manager': { visible: false },
    'content-type-builder': { visible: false },
  },
  attributes: {
    runId: { type: 'integer', required: true },
    resultId: { type: 'integer' },
    // A result event type or a run event type (shared/constants.ts).
    type: { type: 'string', required: true },
    at: { type: 'datetime', required: true },
    actorKind: { type: 'enumeration', enum: [...ACTOR_KINDS], required: true },
    actorId: { type: 'string' },
    actorName: { type: 'string' },
    detail: { type: 'json' },
    dedupeKey: { type: 'string' },
  },
  indexes: [
    { name: 'message_events_result_idx', columns: ['result_id', 'id'] },
    { name: 'message_events_run_idx', columns: ['run_id', 'result_id', 'id'] },
    { name: 'message_events_dedupe_uq', columns: ['dedupe_key'], type: 'unique' },
  ],
};
