import { RUN_STATUSES, STOP_REASONS } from '../../../../shared/constants';

export default {
  kind: 'collectionType',
  collectionName: 'message_runs',
  info: {
    singularName: 'message-run',
    pluralName: 'message-runs',
    displayName: 'Message run',
    description: 'A message definition applied to the invoices of a customer cluster in a period',
  },
  options: { draftAndPublish: false },
  pluginOptions: {
    'content-manager': { visible: false },
    'content-type-builder': { visible: false },
  },
  attributes: {
    status: { type: 'enumeration', enum: [...RUN_STATUSES], default: 'created', required: true },
    definition: {
      type: 'relation',
      relation: 'manyToOne',
      target: 'api::message-definition.message-definition',
      useJoinTable: false,
    },
    // The definition as it was when the run was created: editing a definition never changes a run.
    definitionSnapshot: { type: 'json', required: true },
    cluster: {
      type: 'relation',
      relation: 'manyToOne',
      target: 'api::customer-cluster.customer-cluster',
      useJoinTable: false,
    },
    includeChildren: { type: 'boolean', default: false, required: true },
    // Whether invoices another run of the definition already sent are sent again (else `already-sent`).
    includeAlreadySent: { type: 'boolean', default: false, required: true },
    periodStart: { type: 'date', required: true },
    periodEnd: { type: 'date', required: true },
    bcc: { type: 'json' },
    startedAt: { type: 'datetime' },
    stoppedAt: { type: 'datetime' },
    completedAt: { type: 'datetime' },
    // The schedule (status `scheduled`): the instant to start, the zone it was given in, the last
    // instant it may still start.
    scheduledAt: { type: 'datetime' },
    timeZone: { type: 'string' },
    notAfter: { type: 'datetime' },
    stopReason: { type: 'enumeration', enum: [...STOP_REASONS] },
    // The server's answer that paused the run.
    lastError: { type: 'text' },
    // Attempts in a row, across instances, that failed for a cause that is not the recipient.
    serverFailuresInARow: { type: 'integer', default: 0, required: true },
  },
  indexes: [{ name: 'message_runs_status_idx', columns: ['status'] }],
};
