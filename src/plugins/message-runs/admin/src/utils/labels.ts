import type { ResultReason, ResultStatus, RunStatus } from '../../../shared/constants';
import { useT } from './translations';

/** English names of statuses and reasons (translations/en.json holds the same under status.* and reason.*). */
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
};

const REASON_LABELS: Record<ResultReason, string> = {
  'no-recipient': 'No recipient address',
  'no-transformation-result': 'No document to attach',
  'render-error': 'Template error',
  'no-sender': 'Unknown sender',
  'attachment-error': 'Attachment error',
  'smtp-rejected': 'Refused by the mail server',
  'recipient-rejected': 'Recipient refused',
  'smtp-transient': 'Mail server unavailable',
};

/** The translated names of statuses and reasons. */
export function useLabels() {
  const t = useT();
  return {
    status: (status: RunStatus | ResultStatus) => t(`status.${status}`, STATUS_LABELS[status]),
    reason: (reason: ResultReason) => t(`reason.${reason}`, REASON_LABELS[reason]),
  };
}
