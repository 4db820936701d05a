/**
 * An `Idempotency-Key` an actor sent (DESIGN.md §3, "Retrying safely"): the request it was first sent
 * with (`fingerprint`) and, once that request has been answered, the answer to replay. While it is
 * pending, `holder` names the request acting on it. A row per actor and key, taken with one
 * conditional upsert (data/idempotency-keys.ts).
 */
export default {
  kind: 'collectionType',
  collectionName: 'message_idempotency_keys',
  info: {
    singularName: 'idempotency-key',
    pluralName: 'idempotency-keys',
    displayName: 'Message idempotency key',
    description: 'A request sent with an Idempotency-Key, and its answer to replay',
  },
  options: { draftAndPublish: false },
  pluginOptions: {
    'content-manager': { visible: false },
    'content-type-builder': { visible: false },
  },
  attributes: {
    /** `<actor kind>:<actor id>`: two actors' keys never meet. */
    scope: { type: 'string', required: true },
    idempotencyKey: { type: 'string', required: true },
    /** SHA-256 of the method, the path and the canonical JSON body. */
    fingerprint: { type: 'string', required: true },
    holder: { type: 'string' },
    /** The answer; null while the first request is under way. */
    responseStatus: { type: 'integer' },
    responseBody: { type: 'text' },
  },
  indexes: [
    { name: 'message_idempotency_keys_uq', columns: ['scope', 'idempotency_key'], type: 'unique' },
    // The hourly purge deletes by age.
    { name: 'message_idempotency_keys_created', columns: ['created_at'] },
  ],
};
