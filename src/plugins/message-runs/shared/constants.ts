/**
 * Names and statuses shared by the plugin's server and admin code: the contract of DESIGN.md §3.
 */
export const PLUGIN_ID = 'message-runs';

/**
 * The custom field of a message definition's `fromKey` and `recipientKey`: a string whose input offers
 * the keys in use; the attribute's `options.source` says which (KEY_SOURCES).
 */
export const MESSAGE_KEY_FIELD = 'message-key';
export const KEY_SOURCES = { senders: 'sender-keys', recipients: 'recipient-keys' } as const;

export const RUN_UID = 'plugin::message-runs.message-run';
export const RESULT_UID = 'plugin::message-runs.message-result';
export const SEND_PACER_UID = 'plugin::message-runs.send-pacer';
export const DELIVERY_INSTANCE_UID = 'plugin::message-runs.delivery-instance';
export const EVENT_UID = 'plugin::message-runs.message-event';
export const SUPPRESSION_UID = 'plugin::message-runs.suppression';
export const TASK_LEASE_UID = 'plugin::message-runs.task-lease';
export const IDEMPOTENCY_KEY_UID = 'plugin::message-runs.idempotency-key';
export const RUN_COUNT_UID = 'plugin::message-runs.run-count';

/** `scheduled`: created or stopped, and due to start by itself at its `scheduledAt` (DESIGN.md §4). */
export const RUN_STATUSES = ['created', 'scheduled', 'running', 'stopped', 'completed'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

/**
 * Why a run is stopped: an admin's Stop, the queue pausing it after `pauseAfterFailures` attempts
 * in a row failed for a cause that is not the recipient (the server, the connection, the credentials),
 * or a schedule no instance could start before its `notAfter`.
 */
export const STOP_REASONS = ['stopped-by-admin', 'paused-after-failures', 'missed-schedule'] as const;
export type StopReason = (typeof STOP_REASONS)[number];

/**
 * `bounced` and `complained` follow `sent`: the recipient's server refused the message for good after
 * accepting it (a hard bounce), or the recipient reported it as spam (a complaint).
 */
export const RESULT_STATUSES = ['queued', 'sending', 'sent', 'retrying', 'failed', 'skipped', 'bounced', 'complained'] as const;
export type ResultStatus = (typeof RESULT_STATUSES)[number];

/**
 * `suppressed`: the recipient is on the suppression list (it bounced, complained, or an admin put it there).
 * `already-sent`: another run of the same definition sent the invoice (unless the run includes those).
 */
export const SKIP_REASONS = ['already-sent', 'no-recipient', 'suppressed', 'no-transformation-result'] as const;
/** The statuses of a result whose message went out: what counts as `already-sent`. */
export const SENT_STATUSES = ['sent', 'bounced', 'complained'] as const satisfies readonly ResultStatus[];
export const FAILURE_REASONS = [
  'render-error',
  'no-sender',
  'attachment-error',
  'smtp-rejected',
  'recipient-rejected',
  'smtp-transient',
  // Retried soon, the attempt not counted: the server said slow down (421, 451, 454, "rate exceeded")…
  'smtp-throttled',
  // …or could not take any message (connection refused or timed out, TLS, authentication): not the recipient.
  'smtp-unavailable',
] as const;
/** Failures of the server, not of the message or its recipient: retried soon, never counted as an attempt. */
export const SERVER_FAILURE_REASONS = ['smtp-throttled', 'smtp-unavailable'] as const;
export const RESULT_REASONS = [...SKIP_REASONS, ...FAILURE_REASONS] as const;
export type ResultReason = (typeof RESULT_REASONS)[number];

/**
 * What a result's history records (GET /results/:id/events). `delayed`: a soft bounce (DSN 4.x.x) or a
 * provider's temporary failure, which changes nothing but is worth seeing. `claimed` is not written
 * (DESIGN.md §3, "History"): the entry of the attempt's outcome names the worker.
 */
export const RESULT_EVENT_TYPES = [
  'created',
  'skipped',
  'queued',
  'claimed',
  'sent',
  'retrying',
  'failed',
  'bounced',
  'delayed',
  'complained',
  'delivered',
  'resent',
  'removed',
  'test-sent',
] as const;
export type ResultEventType = (typeof RESULT_EVENT_TYPES)[number];

/**
 * A run's audit trail (GET /runs/:id/events); `resent` and `removed` carry their counts, `scheduled`
 * the schedule set or moved.
 */
export const RUN_EVENT_TYPES = [
  'created',
  'scheduled',
  'started',
  'stopped',
  'paused',
  'completed',
  'deleted',
  'resent',
  'removed',
] as const;
export type RunEventType = (typeof RUN_EVENT_TYPES)[number];

/**
 * Who did it: an admin in the panel, an integrator's API token, a Users & Permissions user on the
 * content API, or the plugin itself (the queue, a bounce).
 */
export const ACTOR_KINDS = ['admin', 'api-token', 'user', 'system'] as const;
export type ActorKind = (typeof ACTOR_KINDS)[number];

/** Why an address is on the suppression list. */
export const SUPPRESSION_REASONS = ['bounced', 'complained', 'manual'] as const;
export type SuppressionReason = (typeof SUPPRESSION_REASONS)[number];

/**
 * Delivery reports (bounces, complaints, deliveries) arrive from these sources: the bounce mailbox,
 * or a mail provider's webhook (`POST /api/message-runs/events/:provider`).
 */
export const REPORT_SOURCES = ['imap', 'mailgun', 'sendgrid', 'postmark'] as const;
export type ReportSource = (typeof REPORT_SOURCES)[number];
export const WEBHOOK_PROVIDERS = ['mailgun', 'sendgrid', 'postmark'] as const;
export type WebhookProvider = (typeof WEBHOOK_PROVIDERS)[number];

/** Events the plugin announces through Strapi's webhooks (Settings → Webhooks). */
export const WEBHOOK_EVENTS = {
  runCompleted: 'message-run.completed',
  runPaused: 'message-run.paused',
  resultFailed: 'message-result.failed',
  resultBounced: 'message-result.bounced',
} as const;

/** Admin RBAC actions, as `plugin::message-runs.<uid>`. */
export const PERMISSIONS = {
  read: [{ action: 'plugin::message-runs.read', subject: null }],
  manageRuns: [{ action: 'plugin::message-runs.manage-runs', subject: null }],
  manageResults: [{ action: 'plugin::message-runs.manage-results', subject: null }],
  settings: [{ action: 'plugin::message-runs.settings', subject: null }],
};
