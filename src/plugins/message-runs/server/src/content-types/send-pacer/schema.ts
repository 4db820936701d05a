/**
 * The shared pace of the rate limits (DESIGN.md §4, "Rate limits"): one row per limited scope, `all`
 * for the cluster-wide limits and `domain:<domain>` for each limited recipient domain, holding the
 * earliest time (ms since the epoch) at which the scope's next message may be handed to SMTP. Every
 * instance that shares the database takes its messages' times from these rows, under a row lock.
 */
export default {
  kind: 'collectionType',
  collectionName: 'message_send_pacers',
  info: {
    singularName: 'send-pacer',
    pluralName: 'send-pacers',
    displayName: 'Message send pacer',
    description: 'When the next message of each rate-limited scope may go, across instances',
  },
  options: { draftAndPublish: false },
  pluginOptions: {
    'content-manager': { visible: false },
    'content-type-builder': { visible: false },
  },
  attributes: {
    scope: { type: 'string', required: true },
    nextAt: { type: 'biginteger', required: true, default: '0' },
  },
  // Instances create a scope's row concurrently: the database keeps it to one.
  indexes: [{ name: 'message_send_pacers_scope_uq', columns: ['scope'], type: 'unique' }],
};
