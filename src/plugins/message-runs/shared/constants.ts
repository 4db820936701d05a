/**
 * Names and statuses shared by the plugin's server and admin code: the contract of DESIGN.md §3.
 */
export const PLUGIN_ID = 'message-runs';

export const RUN_UID = 'plugin::message-runs.message-run';
export const RESULT_UID = 'plugin::message-runs.message-result';
export const SEND_PACER_UID = 'plugin::message-runs.send-pacer';
export const DELIVERY_INSTANCE_UID = 'plugin::message-runs.delivery-instance';

export const RUN_STATUSES = ['created', 'running', 'stopped', 'completed'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

/**
 * Why a run is stopped: an admin's Stop, or the queue pausing it after `pauseAfterFailures` attempts
 * in a row failed for a cause that is not the recipient (the server, the connection, the credentials).
 */
export const STOP_REASONS = ['stopped-by-admin', 'paused-after-failures'] as const;
export type StopReason = (typeof STOP_REASONS)[number];

export const RESULT_STATUSES = ['queued', 'sending', 'sent', 'retrying', 'failed', 'skipped'] as const;
export type ResultStatus = (typeof RESULT_STATUSES)[number];

export const SKIP_REASONS = ['no-recipient', 'no-transformation-result'] as const;
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

/** Admin RBAC actions, as `plugin::message-runs.<uid>`. */
export const PERMISSIONS = {
  read: [{ action: 'plugin::message-runs.read', subject: null }],
  manageRuns: [{ action: 'plugin::message-runs.manage-runs', subject: null }],
  manageResults: [{ action: 'plugin::message-runs.manage-results', subject: null }],
  settings: [{ action: 'plugin::message-runs.settings', subject: null }],
};
