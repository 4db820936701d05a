/**
 * Names and statuses shared by the plugin's server and admin code: the contract of DESIGN.md §3.
 */
export const PLUGIN_ID = 'message-runs';

export const RUN_UID = 'plugin::message-runs.message-run';
export const RESULT_UID = 'plugin::message-runs.message-result';
export const SEND_WINDOW_UID = 'plugin::message-runs.send-window';

export const RUN_STATUSES = ['created', 'running', 'stopped', 'completed'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

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
] as const;
export const RESULT_REASONS = [...SKIP_REASONS, ...FAILURE_REASONS] as const;
export type ResultReason = (typeof RESULT_REASONS)[number];

/** Admin RBAC actions, as `plugin::message-runs.<uid>`. */
export const PERMISSIONS = {
  read: [{ action: 'plugin::message-runs.read', subject: null }],
  manageRuns: [{ action: 'plugin::message-runs.manage-runs', subject: null }],
  manageResults: [{ action: 'plugin::message-runs.manage-results', subject: null }],
  settings: [{ action: 'plugin::message-runs.settings', subject: null }],
};
