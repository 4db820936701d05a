/**
 * Which instance runs a task that must run in one instance at a time (the bounce mailbox poll), and
 * until when: a row per task, taken with one conditional upsert (data/task-leases.ts).
 */
export default {
  kind: 'collectionType',
  collectionName: 'message_task_leases',
  info: {
    singularName: 'task-lease',
    pluralName: 'task-leases',
    displayName: 'Message task lease',
    description: 'The instance that runs a one-at-a-time task, until when',
  },
  options: { draftAndPublish: false },
  pluginOptions: {
    'content-manager': { visible: false },
    'content-type-builder': { visible: false },
  },
  attributes: {
    name: { type: 'string', required: true },
    holder: { type: 'string', required: true },
    expiresAt: { type: 'datetime', required: true },
  },
  indexes: [{ name: 'message_task_leases_name_uq', columns: ['name'], type: 'unique' }],
};
