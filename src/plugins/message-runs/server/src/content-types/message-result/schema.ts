import { RESULT_REASONS, RESULT_STATUSES } from '../../../../shared/constants';

/**
 * One result per invoice of a run. The results table is also the delivery queue, so its
 * relations are plain foreign-key columns (`useJoinTable: false`): the queue and the results
 * list filter on `run_id` and `status` through composite indexes instead of joining link tables.
 */
export default {
  kind: 'collectionType',
  collectionName: 'message_results',
  info: {
    singularName: 'message-result',
    pluralName: 'message-results',
    displayName: 'Message result',
    description: 'The outcome of one invoice of a message run',
  },
  options: { draftAndPublish: false },
  pluginOptions: {
    'content-manager': { visible: false },
    'content-type-builder': { visible: false },
  },
  attributes: {
    run: {
      type: 'relation',
      relation: 'manyToOne',
      target: 'plugin::message-runs.message-run',
      inversedBy: 'results',
      useJoinTable: false,
    },
    invoice: {
      type: 'relation',
      relation: 'manyToOne',
      target: 'api::invoice.invoice',
      useJoinTable: false,
    },
    customer: {
      type: 'relation',
      relation: 'manyToOne',
      target: 'api::customer.customer',
      useJoinTable: false,
    },
    status: { type: 'enumeration', enum: [...RESULT_STATUSES], default: 'queued', required: true },
    reason: { type: 'enumeration', enum: [...RESULT_REASONS] },
    error: { type: 'text' },
    recipient: { type: 'string' },
    recipientName: { type: 'string' },
    attempts: { type: 'integer', default: 0, required: true },
    lastAttemptAt: { type: 'datetime' },
    nextAttemptAt: { type: 'datetime' },
    sentAt: { type: 'datetime' },
    messageId: { type: 'string' },
    response: { type: 'text' },
    // The claim of a worker: which instance holds the result, and since when (its lease).
    lockedBy: { type: 'string' },
    lockedAt: { type: 'datetime' },
  },
  indexes: [
    // Counts per status and the results list of one run.
    { name: 'message_results_run_status_idx', columns: ['run_id', 'status'] },
    // The queue: due results in claim order, and expired leases.
    { name: 'message_results_status_next_idx', columns: ['status', 'next_attempt_at'] },
    { name: 'message_results_locked_at_idx', columns: ['status', 'locked_at'] },
  ],
};
