import { Box, Table, Tbody, Td, Th, Thead, Tr, Typography } from '@strapi/design-system';
import { useIntl } from 'react-intl';
import {
  RESULT_REASONS,
  STOP_REASONS,
  type ResultEventType,
  type ResultReason,
  type RunEventType,
  type StopReason,
} from '../../../shared/constants';
import type { HistoryEvent } from '../../../shared/contracts/events';
import { useLabels } from '../utils/labels';
import { useT } from '../utils/translations';

type Event = HistoryEvent<ResultEventType | RunEventType>;

const isIn = <T extends string>(list: readonly T[], value: unknown): value is T =>
  typeof value === 'string' && (list as readonly string[]).includes(value);

/** Detail keys said as one sentence (the counts of a resend or a removal), or not on their own. */
const COUNT_KEYS = ['requeued', 'skipped', 'suppressed', 'inFlight', 'removed'];
const REPORT_KEYS = ['status', 'diagnostic'];

/** `lastAttemptAt` → "Last attempt at": names of keys the table does not know, readable all the same. */
const humanise = (key: string) => {
  const words = key.replace(/([a-z0-9])([A-Z])/g, '$1 $2').toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
};

/**
 * An entry's detail as short lines: the SMTP answer, a delivery report's status code and diagnostic,
 * the worker, the counts of a resend or a removal (in the words of the notification the admin saw).
 */
function useDetailLines() {
  const t = useT();
  const labels = useLabels();
  const count = (detail: Record<string, unknown>, key: string) => Number(detail[key] ?? 0);
  /** A run's resend or removal: the sentence of the notification the admin saw then. */
  const countsSentence = (type: Event['type'], detail: Record<string, unknown>) => {
    const [requeued, skipped, suppressed, inFlight, removed] = COUNT_KEYS.map((key) => count(detail, key));
    if (type === 'resent' && 'requeued' in detail) return labels.resent({ requeued, skipped, suppressed, inFlight });
    if (type === 'removed' && 'removed' in detail) return labels.removed({ removed, inFlight });
    return undefined;
  };
  const named: Record<string, string> = {
    response: t('history.detail.response', 'Server’s answer'),
    error: t('history.detail.error', 'Error'),
    recipient: t('history.detail.recipient', 'Recipient'),
    source: t('history.detail.source', 'Reported by'),
    worker: t('history.detail.worker', 'Worker'),
    instance: t('history.detail.worker', 'Worker'),
    messageId: t('history.detail.messageId', 'Message-ID'),
    attempt: t('history.detail.attempt', 'Attempt'),
    reason: t('history.detail.reason', 'Reason'),
  };

  return ({ type, detail }: Event): string[] => {
    if (!detail) return [];
    const lines: string[] = [];
    const sentence = countsSentence(type, detail);
    if (sentence) lines.push(sentence);
    // A DSN or a provider's code with its diagnostic, as the result's error holds them: "5.1.1 user unknown".
    const report = REPORT_KEYS.map((key) => detail[key]).filter((value) => value !== null && value !== undefined);
    if (report.length) lines.push(`${t('history.detail.report', 'Report')}: ${report.join(' ')}`);
    for (const [key, value] of Object.entries(detail)) {
      if (value === null || value === undefined || value === '') continue;
      if (REPORT_KEYS.includes(key) || (sentence && COUNT_KEYS.includes(key))) continue;
      const shown =
        key === 'reason' && isIn<ResultReason>(RESULT_REASONS, value)
          ? labels.reason(value)
          : key === 'reason' && isIn<StopReason>(STOP_REASONS, value)
            ? labels.stopReason(value)
            : typeof value === 'object'
              ? JSON.stringify(value)
              : String(value);
      lines.push(`${named[key] ?? humanise(key)}: ${shown}`);
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
}

/** A history: when, what, who, and the detail, one row per entry. */
export const EventsTable = ({ events, label, newestFirst = false }: EventsTableProps) => {
  const t = useT();
  const labels = useLabels();
  const { formatDate } = useIntl();
  const detailLines = useDetailLines();
  const rows = newestFirst ? [...events].reverse() : events;
  if (!rows.length)
    return (
      <Box padding={4}>
        <Typography textColor="neutral600">{t('history.empty', 'Nothing recorded yet')}</Typography>
      </Box>
    );
  return (
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
                {formatDate(event.at, { dateStyle: 'short', timeStyle: 'medium' })}
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
              {/* Whole, wrapped: an SMTP answer or a diagnostic is the proof the admin came for. */}
              {detailLines(event).map((line) => (
                <Typography key={line} variant="pi" textColor="neutral700" tag="p" style={{ overflowWrap: 'anywhere' }}>
                  {line}
                </Typography>
              ))}
            </Td>
          </Tr>
        ))}
      </Tbody>
    </Table>
  );
};
