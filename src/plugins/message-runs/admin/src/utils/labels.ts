import type { ResultReason, ResultStatus, RunStatus, StopReason } from '../../../shared/constants';
import { useT } from './translations';

/**
 * English names of statuses and reasons (translations/en.json holds the same under status.*, reason.*
 * and stopReason.*).
 */
const STATUS_LABELS: Record<RunStatus | ResultStatus, string> = {
  created: 'Created',
  running: 'Running',
  stopped: 'Stopped',
  completed: 'Completed',
  queued: 'Queued',
  sending: 'Sending',
  sent: 'Sent',
  retrying: 'Retrying',
  failed: 'Failed',
  skipped: 'Skipped',
  bounced: 'Bounced',
  complained: 'Complained',
};

const REASON_LABELS: Record<ResultReason, string> = {
  'already-sent': 'Already sent by another run',
  'no-recipient': 'No recipient address',
  suppressed: 'Recipient suppressed',
  'no-transformation-result': 'No document to attach',
  'render-error': 'Template error',
  'no-sender': 'Unknown sender',
  'attachment-error': 'Attachment error',
  'smtp-rejected': 'Refused by the mail server',
  'recipient-rejected': 'Recipient refused',
  'smtp-transient': 'Temporary mail server error',
  'smtp-throttled': 'Slowed down by the mail server',
  'smtp-unavailable': 'Mail server unavailable',
};

const STOP_REASON_LABELS: Record<StopReason, string> = {
  'stopped-by-admin': 'stopped by an admin',
  'paused-after-failures': 'paused itself after mail server failures',
};

/** The translated names of statuses, result reasons and stop reasons. */
export function useLabels() {
  const t = useT();
  return {
    status: (status: RunStatus | ResultStatus) => t(`status.${status}`, STATUS_LABELS[status]),
    reason: (reason: ResultReason) => t(`reason.${reason}`, REASON_LABELS[reason]),
    stopReason: (reason: StopReason) => t(`stopReason.${reason}`, STOP_REASON_LABELS[reason]),
  };
}
