/**
 * How many messages all instances together have sent in each minute: the rate limit
 * (`rateLimitPerMinute`) holds across every instance that shares the database.
 */
export default {
  kind: 'collectionType',
  collectionName: 'message_send_windows',
  info: {
    singularName: 'send-window',
    pluralName: 'send-windows',
    displayName: 'Message send window',
    description: 'Messages sent per minute, across instances, for the rate limit',
  },
  options: { draftAndPublish: false },
  pluginOptions: {
    'content-manager': { visible: false },
    'content-type-builder': { visible: false },
  },
  attributes: {
    // The minute, as whole minutes since the epoch.
    minute: { type: 'integer', required: true },
    sent: { type: 'integer', required: true, default: 0 },
  },
  // Instances create a minute's row concurrently: the database keeps it to one.
  indexes: [{ name: 'message_send_windows_minute_uq', columns: ['minute'], type: 'unique' }],
};
