import { RESULT_REASONS, RESULT_STATUSES } from '../../../../shared/constants';

/**
 * One result per invoice of a run. The results table is also the delivery queue, and a run writes its
 * results in one statement, so the references to the run, the invoice and the customer are plain
 * indexed id columns rather than Strapi relations: a relation adds a foreign-key check and an index
 * to every result written (measured with EXPLAIN ANALYZE on PostgreSQL: 100k results took 6.6 s with
 * the invoice and customer foreign keys, 3.8 s without). The plugin keeps the ids consistent: a
 * run's results are deleted with it, and a deleted invoice or customer shows as missing.
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
    runId: { type: 'integer', required: true },
    invoiceId: { type: 'integer' },
    customerId: { type: 'integer' },
    status: { type: 'enumeration', enum: [...RESULT_STATUSES], default: 'queued', required: true },
    reason: { type: 'enumeration', enum: [...RESULT_REASONS] },
    error: { type: 'text' },
    recipient: { type: 'string' },
    recipientName: { type: 'string' },
    // What the result was made for, as it was when the run was created: the list sorts by these from
    // the results table's own indexes (sorting through a join to the invoices or customers cannot walk
    // one index). The list shows the invoice's and customer's current values.
    invoiceNumber: { type: 'string' },
    customerCode: { type: 'string' },
    customerName: { type: 'string' },
    attempts: { type: 'integer', default: 0, required: true },
    lastAttemptAt: { type: 'datetime' },
    nextAttemptAt: { type: 'datetime' },
    sentAt: { type: 'datetime' },
    // When a provider reported the message delivered to the recipient's server.
    deliveredAt: { type: 'datetime' },
    // Text: a message id ends with the sender's domain, which may make it longer than 255 characters.
    messageId: { type: 'text' },
    response: { type: 'text' },
    // The claim of a worker: which instance holds the result, and since when its lease was last renewed.
    lockedBy: { type: 'string' },
    lockedAt: { type: 'datetime' },
    // When the claiming worker handed the message to SMTP (null until then): only a handed message
    // can have reached the customer, so only those stay `sending` through a Stop or may be sent twice
    // after a crash.
    handedAt: { type: 'datetime' },
    // The message as sent (DESIGN.md §4): the SHA-256 (hex) of the bytes handed to SMTP, and where they
    // are kept (`folder:…` or `upload:…`; null when not kept, or deleted after `archiveDays`). The
    // results of a collated message share both. (Strapi names the column `sha_256`.)
    sha256: { type: 'string' },
    archiveKey: { type: 'text' },
  },
  indexes: [
    // Counts per status, and the results list of one run (by status, in creation order).
    { name: 'message_results_run_status_idx', columns: ['run_id', 'status', 'id'] },
    // The queue: due results (and, among the few being sent, expired claims).
    { name: 'message_results_status_next_idx', columns: ['status', 'next_attempt_at'] },
    // Delivery reports (bounces, provider events) find their results by Message-ID.
    { name: 'message_results_message_id_idx', columns: ['message_id'] },
    // The results list, one per sort key other than creation order and status (which the index above
    // serves): each walked one status at a time, so a page costs an index range whatever its depth and
    // status filter (data/results.ts findResultsPage).
    ...['recipient', 'attempts', 'last_attempt_at', 'sent_at', 'invoice_number', 'customer_code', 'customer_name'].map(
      (column) => ({ name: `message_results_run_status_${column}_idx`, columns: ['run_id', 'status', column, 'id'] })
    ),
    // A new run's `already-sent` check: the invoice's results that went out, and their runs.
    { name: 'message_results_invoice_status_idx', columns: ['invoice_id', 'status', 'run_id'] },
  ],
};
