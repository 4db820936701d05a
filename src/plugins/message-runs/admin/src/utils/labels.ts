import type {
  ResultEventType,
  ResultReason,
  ResultStatus,
  RunEventType,
  RunStatus,
  StopReason,
} from '../../../shared/constants';
import type { Actor } from '../../../shared/contracts/events';
import type { RemoveResults, ResendResults } from '../../../shared/contracts/results';
import { useT } from './translations';

/**
 * English names of statuses, reasons and history entries (translations/en.json holds the same under
 * status.*, reason.*, stopReason.*, event.* and actor.*).
 */
const STATUS_LABELS: Record<RunStatus | ResultStatus, string> = {
  created: 'Created',
  scheduled: 'Scheduled',
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
  // What the recipient did, said as such: "Complained" alone does not say about what.
  complained: 'Reported as spam',
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
  'missed-schedule': 'not started: no instance could start it before its latest start',
};

const EVENT_LABELS: Record<ResultEventType | RunEventType, string> = {
  created: 'Created',
  skipped: 'Skipped',
  queued: 'Queued',
  claimed: 'Picked up for sending',
  sent: 'Sent',
  retrying: 'Will be retried',
  failed: 'Failed',
  bounced: 'Bounced',
  delayed: 'Delayed by the recipient’s server',
  complained: 'Reported as spam',
  delivered: 'Delivered',
  resent: 'Resent',
  removed: 'Removed',
  'test-sent': 'Test message sent',
  scheduled: 'Scheduled',
  started: 'Sending started',
  stopped: 'Sending stopped',
  paused: 'Paused itself',
  completed: 'Completed',
  deleted: 'Deleted',
};

/** The translated names of statuses, result reasons, stop reasons, history entries and their actors. */
export function useLabels() {
  const t = useT();
  return {
    status: (status: RunStatus | ResultStatus) => t(`status.${status}`, STATUS_LABELS[status]),
    reason: (reason: ResultReason) => t(`reason.${reason}`, REASON_LABELS[reason]),
    stopReason: (reason: StopReason) => t(`stopReason.${reason}`, STOP_REASON_LABELS[reason]),
    event: (type: ResultEventType | RunEventType) => t(`event.${type}`, EVENT_LABELS[type]),
    /**
     * Who did what a history entry records (DESIGN.md §3, "History"): "Ann Smith" (an admin), "API token
     * “Billing import”", "User “jane”" (Users & Permissions), "System (worker host:pid:…)", "System (imap)".
     */
    actor: ({ kind, id, name }: Actor) => {
      // The system's id is the queue's worker (name `queue`), or the source of a delivery report.
      if (kind === 'system') {
        if (!id) return t('actor.system', 'System');
        return name === 'queue'
          ? t('actor.queue', 'System (worker {worker})', { worker: id })
          : t('actor.systemFrom', 'System ({source})', { source: id });
      }
      const who = name ?? `#${id ?? '?'}`;
      if (kind === 'api-token') return t('actor.apiToken', 'API token “{name}”', { name: who });
      if (kind === 'user') return t('actor.user', 'User “{name}”', { name: who });
      return who;
    },
    /** What a resend did: in its notification and in the run's activity. */
    resent: (counts: ResendResults.Response['data']) =>
      t(
        'actions.resent',
        '{requeued, plural, one {# result} other {# results}} queued again{skipped, plural, =0 {} other {, # still skipped{suppressed, plural, =0 {} other { (# suppressed)}}}}{inFlight, plural, =0 {} other {, # being sent left alone}}',
        counts
      ),
    /** What a removal did: in its notification and in the run's activity. */
    removed: (counts: RemoveResults.Response['data']) =>
      t(
        'actions.removed',
        '{removed, plural, one {# result} other {# results}} removed{inFlight, plural, =0 {} other {, # being sent left alone}}',
        counts
      ),
  };
}
