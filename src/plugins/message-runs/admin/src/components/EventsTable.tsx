import { Box, Table, Tbody, Td, Th, Thead, Tr, Typography } from '@strapi/design-system';
import {
  RESULT_REASONS,
  STOP_REASONS,
  type ResultEventType,
  type ResultReason,
  type RunEventType,
  type StopReason,
} from '../../../shared/constants';
import { MAX_HISTORY_EVENTS, type HistoryEvent } from '../../../shared/contracts/events';
import { useDateFormats } from '../utils/format';
import { useLabels } from '../utils/labels';
import { useT } from '../utils/translations';

type Event = HistoryEvent<ResultEventType | RunEventType>;

type Detail = Record<string, unknown>;

const isIn = <T extends string>(list: readonly T[], value: unknown): value is T =>
  typeof value === 'string' && (list as readonly string[]).includes(value);
const text = (value: unknown) => (typeof value === 'string' && value ? value : undefined);
const number = (value: unknown) => (typeof value === 'number' ? value : 0);

/** Delivery reports: their `status` is the report's code (a DSN, a provider's), not a result status. */
const REPORT_TYPES: Event['type'][] = ['bounced', 'delayed', 'complained', 'delivered'];
/** Keys said in words of their own below (a report's source only when the actor does not name it). */
const REPORT_KEYS = ['status', 'diagnostic', 'source'];
const LEASE_KEYS = ['after', 'handedOver'];

/** `nextAttemptAt` → "Next attempt at": keys without words of their own, readable all the same. */
const humanise = (key: string) => {
  const words = key.replace(/([a-z0-9])([A-Z])/g, '$1 $2').toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
};

/**
 * An entry's detail (DESIGN.md §3, "History") as short lines: the server's answer, a delivery report's
 * status code and diagnostic, the reason and error of a failure, a worker's lease that ran out, what
 * a run was created for, and the counts of a resend or a removal in the words of the notification the
 * admin saw then. Keys it has no words for are shown as they come.
 */
function useDetailLines() {
  const t = useT();
  const labels = useLabels();
  const { day: date, moment: time } = useDateFormats();
  const named: Record<string, string> = {
    response: t('history.detail.response', 'Server’s answer'),
    error: t('history.detail.error', 'Error'),
    recipient: t('history.detail.recipient', 'Recipient'),
    worker: t('history.detail.worker', 'Worker'),
    messageId: t('history.detail.messageId', 'Message-ID'),
    attempts: t('history.detail.attempts', 'Attempts'),
    reason: t('history.detail.reason', 'Reason'),
    nextAttemptAt: t('history.detail.nextAttemptAt', 'Next attempt'),
  };
  const valueOf = (key: string, value: unknown) => {
    if (key === 'reason' && isIn<ResultReason>(RESULT_REASONS, value)) return labels.reason(value);
    if (key === 'reason' && isIn<StopReason>(STOP_REASONS, value)) return labels.stopReason(value);
    if (key.endsWith('At') && typeof value === 'string') return time(value);
    return typeof value === 'object' ? JSON.stringify(value) : String(value);
  };

  /** The lines particular to an entry of `type`; undefined: its keys are listed one by one. */
  const composed = ({ type, detail }: { type: Event['type']; detail: Detail }): string[] | undefined => {
    const lines: string[] = [];
    if (type === 'resent' && 'requeued' in detail) {
      return [
        labels.resent({
          requeued: number(detail.requeued),
          skipped: number(detail.skipped),
          suppressed: number(detail.suppressed),
          inFlight: number(detail.inFlight),
        }),
      ];
    }
    if (type === 'removed' && 'removed' in detail) {
      return [labels.removed({ removed: number(detail.removed), inFlight: number(detail.inFlight) })];
    }
    if (type === 'resent') {
      // A result's resend: queued again, or skipped with the reason found then.
      const reason = isIn<ResultReason>(RESULT_REASONS, detail.reason) ? labels.reason(detail.reason) : undefined;
      return [
        detail.status === 'queued'
          ? t('history.resent.queued', 'Queued again')
          : t('history.resent.skipped', 'Not queued: {reason}', { reason: reason ?? String(detail.status) }),
      ];
    }
    if (type === 'created' && typeof detail.definition === 'object') {
      const { definition, cluster, includeChildren, periodStart, periodEnd } = detail as {
        definition: { name: string };
        cluster: { name: string } | null;
        includeChildren?: boolean;
        periodStart: string;
        periodEnd: string;
      };
      return [
        t(
          'history.runCreated',
          '{definition} for {cluster}{children, select, true { (with children)} other {}}, {from} – {to}',
          {
            definition: definition.name,
            cluster: cluster?.name ?? '—',
            children: Boolean(includeChildren),
            from: date(periodStart),
            to: date(periodEnd),
          }
        ),
      ];
    }
    if (type === 'paused') {
      lines.push(
        t(
          'history.paused',
          'After {count, plural, one {# failure} other {# failures}} in a row caused by the mail server',
          {
            count: number(detail.failures),
          }
        )
      );
      if (text(detail.lastError))
        lines.push(`${t('history.detail.lastError', 'Server’s last answer')}: ${detail.lastError}`);
      return lines;
    }
    if (type === 'test-sent' && Array.isArray(detail.to)) {
      const lines = [t('history.testSent.to', 'Sent only to {to}', { to: detail.to.join(', ') })];
      if (text(detail.messageId)) lines.push(`${named.messageId}: ${detail.messageId}`);
      return lines;
    }
    if (type === 'deleted') {
      return [
        t('history.deleted', 'With its {count, plural, one {# result} other {# results}}', {
          count: number(detail.removedResults),
        }),
      ];
    }
    return undefined;
  };

  return ({ type, actor, detail }: Event): string[] => {
    if (!detail) return [];
    const own = composed({ type, detail });
    if (own) return own;
    const lines: string[] = [];
    if (REPORT_TYPES.includes(type)) {
      // A DSN or a provider's code with its diagnostic, as the result's error holds them: "5.1.1 user unknown".
      const report = [text(detail.status), text(detail.diagnostic)].filter(Boolean).join(' ');
      if (report) lines.push(`${t('history.detail.report', 'Report')}: ${report}`);
      if (text(detail.source) && detail.source !== actor.id)
        lines.push(`${t('history.detail.source', 'Reported by')}: ${detail.source}`);
    }
    if (detail.after === 'lease-expired') {
      lines.push(
        detail.handedOver
          ? t(
              'history.leaseExpired.handedOver',
              'The worker stopped answering after handing the message to the server: it may have arrived'
            )
          : t('history.leaseExpired', 'The worker stopped answering before sending')
      );
    }
    const said = REPORT_TYPES.includes(type) ? [...REPORT_KEYS, ...LEASE_KEYS] : LEASE_KEYS;
    for (const [key, value] of Object.entries(detail)) {
      if (value === null || value === undefined || value === '' || said.includes(key)) continue;
      lines.push(`${named[key] ?? humanise(key)}: ${valueOf(key, value)}`);
    }
    return lines;
  };
}

interface EventsTableProps {
  events: Event[];
  /** The table's name for screen readers (and tests): "History", "Activity". */
  label: string;
  /** Oldest first, as the server sends them, or newest first. */
  newestFirst?: boolean;
  /** The server left older entries out (`meta.truncated`). */
  truncated: boolean;
}

/** A history: when, what, who, and the detail, one row per entry. */
export const EventsTable = ({ events, label, newestFirst = false, truncated }: EventsTableProps) => {
  const t = useT();
  const labels = useLabels();
  const { moment } = useDateFormats();
  const detailLines = useDetailLines();
  const rows = newestFirst ? [...events].reverse() : events;
  if (!rows.length)
    return (
      <Box padding={4}>
        <Typography textColor="neutral600">{t('history.empty', 'Nothing recorded yet')}</Typography>
      </Box>
    );
  return (
    <Box>
      {truncated && (
        <Box paddingLeft={6} paddingRight={6} paddingBottom={2}>
          <Typography variant="pi" textColor="neutral600">
            {t('history.truncated', 'Only the newest {count} entries are shown.', { count: MAX_HISTORY_EVENTS })}
          </Typography>
        </Box>
      )}
      <Table colCount={4} rowCount={rows.length + 1} aria-label={label}>
        <Thead>
          <Tr>
            <Th>
              <Typography variant="sigma">{t('history.at', 'Time')}</Typography>
            </Th>
            <Th>
              <Typography variant="sigma">{t('history.type', 'Event')}</Typography>
            </Th>
            <Th>
              <Typography variant="sigma">{t('history.actor', 'By')}</Typography>
            </Th>
            <Th>
              <Typography variant="sigma">{t('history.detail', 'Detail')}</Typography>
            </Th>
          </Tr>
        </Thead>
        <Tbody>
          {rows.map((event, index) => (
            <Tr key={`${event.at}-${event.type}-${index}`}>
              <Td>
                <Typography textColor="neutral800" style={{ whiteSpace: 'nowrap' }}>
                  {moment(event.at)}
                </Typography>
              </Td>
              <Td>
                <Typography textColor="neutral800" fontWeight="semiBold">
                  {labels.event(event.type)}
                </Typography>
              </Td>
              <Td>
                <Typography textColor="neutral800">{labels.actor(event.actor)}</Typography>
              </Td>
              <Td>
                {/* Whole, wrapped (the table itself does not wrap): an SMTP answer or a diagnostic is the proof the admin came for. */}
                {detailLines(event).map((line) => (
                  <Typography
                    key={line}
                    variant="pi"
                    textColor="neutral700"
                    tag="p"
                    style={{ whiteSpace: 'normal', overflowWrap: 'anywhere', minWidth: '16rem' }}
                  >
                    {line}
                  </Typography>
                ))}
              </Td>
            </Tr>
          ))}
        </Tbody>
      </Table>
    </Box>
  );
};
