import { Box, Checkbox, Flex, IconButton, Table, Tbody, Td, Th, Thead, Tr, Typography } from '@strapi/design-system';
import { ArrowClockwise, Eye, Trash } from '@strapi/icons';
import { SENT_STATUSES } from '../../../shared/constants';
import type { Result } from '../../../shared/contracts/results';
import type { Selection } from '../hooks/useResultsList';
import { useDateFormats } from '../utils/format';
import { useLabels } from '../utils/labels';
import { useT } from '../utils/translations';
import { ColumnHeader } from './ColumnHeader';
import { ConfirmAction } from './ConfirmAction';
import { NARROW_ONLY, NarrowLayout, WIDE_ONLY } from './NarrowLayout';
import { StatusBadge } from './StatusBadge';

interface ResultsTableProps {
  rows: Result[];
  canManage: boolean;
  /** `field:asc|desc`, and how a column header changes it. */
  sort: string;
  onSort: (sort: string) => void;
  selection: Selection;
  onPreview: (row: Result) => void;
  onResend: (row: Result) => unknown;
  onRemove: (row: Result) => unknown;
}

/** A page of a run's results: a row each, with its selection box and actions for admins who may manage them. */
export const ResultsTable = ({
  rows,
  canManage,
  sort,
  onSort,
  selection,
  onPreview,
  onResend,
  onRemove,
}: ResultsTableProps) => {
  const t = useT();
  const { moment } = useDateFormats();
  const sortable = [
    { name: 'invoice.number', label: t('results.invoice', 'Invoice') },
    { name: 'customer.name', label: t('results.customer', 'Customer') },
    { name: 'recipient', label: t('results.recipient', 'Recipient'), className: WIDE_ONLY },
    { name: 'status', label: t('results.status', 'Status') },
    { name: 'sentAt', label: t('results.sentAt', 'Sent at'), className: WIDE_ONLY },
  ];
  return (
    <>
      <NarrowLayout />
      <Table colCount={canManage ? 7 : 6} rowCount={rows.length + 1} aria-label={t('results.title', 'Results')}>
        <Thead>
          <Tr>
            {canManage && (
              <Th>
                <Checkbox
                  aria-label={t('results.selectAll', 'Select all results on this page')}
                  checked={selection.all}
                  onCheckedChange={(value) => selection.toggleAll(value === true)}
                />
              </Th>
            )}
            {sortable.map((column) => (
              <ColumnHeader key={column.name} {...column} sort={sort} onSort={onSort} />
            ))}
            <ColumnHeader name="actions" label={t('results.actions', 'Actions')} />
          </Tr>
        </Thead>
        <Tbody>
          {rows.map((row) => (
            <ResultRow
              key={row.documentId}
              row={row}
              canManage={canManage}
              selected={selection.isSelected(row.documentId)}
              onSelect={(on) => selection.toggle(row.documentId, on)}
              onPreview={() => onPreview(row)}
              onResend={() => onResend(row)}
              onRemove={() => onRemove(row)}
              formatDate={moment}
            />
          ))}
        </Tbody>
      </Table>
    </>
  );
};

/**
 * A row's resend. A result the customer already got (sent, bounced, complained) is mailed again only
 * after a confirmation naming the invoice and the recipient; a queued or sending one cannot be resent,
 * and its label says why; a failed, retrying or skipped one goes back to the queue at once (a skipped
 * one only if its cause is gone: an address, a PDF, off the suppression list).
 */
const ResendButton = ({
  row,
  which,
  onResend,
  formatDate,
}: Pick<ResultRowProps, 'row' | 'onResend' | 'formatDate'> & { which: { invoice: string; customer: string } }) => {
  const t = useT();
  const idle = {
    queued: t('results.resendQueued', 'Invoice {invoice} for {customer} is queued: it goes out with the run', which),
    sending: t('results.resendSending', 'Invoice {invoice} for {customer} is being sent now', which),
  }[row.status as 'queued' | 'sending'];
  const button = (onClick?: () => unknown) => (
    <IconButton
      label={idle ?? t('results.resendOne', 'Resend the message of invoice {invoice} for {customer}', which)}
      variant="ghost"
      disabled={idle !== undefined}
      onClick={onClick}
    >
      <ArrowClockwise />
    </IconButton>
  );
  if (!(SENT_STATUSES as readonly string[]).includes(row.status)) return button(onResend);
  return (
    <ConfirmAction
      variant="default"
      title={t('results.resendSent', 'Send invoice {invoice} again?', which)}
      message={t(
        'results.resendSent.confirm',
        'Invoice {invoice} was already sent to {recipient}{sentAt, select, none {} other { on {sentAt}}}. It will be mailed to them again.',
        { ...which, recipient: row.recipient ?? '—', sentAt: row.sentAt ? formatDate(row.sentAt) : 'none' }
      )}
      onConfirm={onResend}
      trigger={button()}
    />
  );
};

interface ResultRowProps {
  row: Result;
  canManage: boolean;
  selected: boolean;
  onSelect: (on: boolean) => void;
  onPreview: () => void;
  onResend: () => unknown;
  onRemove: () => unknown;
  formatDate: (value: string) => string;
}

const ResultRow = ({
  row,
  canManage,
  selected,
  onSelect,
  onPreview,
  onResend,
  onRemove,
  formatDate,
}: ResultRowProps) => {
  const t = useT();
  const labels = useLabels();
  const invoice = row.invoice?.label ?? '—';
  // Concepts have no number: the customer tells their rows apart for screen readers.
  const which = { invoice, customer: row.customer?.code ?? '—' };
  const sending = row.status === 'sending';
  return (
    <Tr aria-selected={canManage ? selected : undefined}>
      {canManage && (
        <Td>
          <Checkbox
            aria-label={t('results.select', 'Select the result of invoice {invoice} for {customer}', which)}
            checked={selected}
            onCheckedChange={(value) => onSelect(value === true)}
          />
        </Td>
      )}
      <Td>
        <Typography textColor="neutral800">{invoice}</Typography>
      </Td>
      <Td>
        <Typography textColor="neutral800" tag="p">
          {row.customer?.name ?? '—'}
        </Typography>
        <Typography variant="pi" textColor="neutral600" tag="p">
          {row.customer?.code}
        </Typography>
        <Typography variant="pi" textColor="neutral600" tag="p" className={NARROW_ONLY}>
          {row.recipient ?? '—'}
        </Typography>
      </Td>
      <Td className={WIDE_ONLY}>
        <Typography textColor="neutral800">{row.recipient ?? '—'}</Typography>
      </Td>
      <Td>
        {/* Status, why, and the server's whole answer, wrapped: no column of its own to cut it short. */}
        <Box maxWidth="22rem">
          <StatusBadge status={row.status} />
          {row.attempts > 0 && (
            <Typography variant="pi" textColor="neutral600" tag="p">
              {t('results.attempts', '{count, plural, one {# attempt} other {# attempts}}', { count: row.attempts })}
            </Typography>
          )}
          {row.reason && (
            <Typography textColor="neutral800" tag="p">
              {labels.reason(row.reason)}
            </Typography>
          )}
          {row.error && (
            <Typography
              variant="pi"
              textColor="danger600"
              tag="p"
              style={{ overflowWrap: 'anywhere', whiteSpace: 'normal' }}
            >
              {row.error}
            </Typography>
          )}
          {row.sentAt && (
            <Typography variant="pi" textColor="neutral600" tag="p" className={NARROW_ONLY}>
              {formatDate(row.sentAt)}
            </Typography>
          )}
        </Box>
      </Td>
      <Td className={WIDE_ONLY}>
        <Typography textColor="neutral800">{row.sentAt ? formatDate(row.sentAt) : '—'}</Typography>
      </Td>
      <Td>
        <Flex gap={1}>
          <IconButton
            label={t('results.preview', 'Preview the message of invoice {invoice} for {customer}', which)}
            variant="ghost"
            onClick={onPreview}
          >
            <Eye />
          </IconButton>
          {canManage && (
            <>
              <ResendButton row={row} which={which} onResend={onResend} formatDate={formatDate} />
              <ConfirmAction
                title={t('results.remove', 'Remove')}
                message={t(
                  'results.removeOne.confirm',
                  'Remove the result of invoice {invoice} for {customer} from the run?',
                  which
                )}
                onConfirm={onRemove}
                trigger={
                  <IconButton
                    label={t('results.removeOne', 'Remove the result of invoice {invoice} for {customer}', which)}
                    variant="ghost"
                    disabled={sending}
                  >
                    <Trash />
                  </IconButton>
                }
              />
            </>
          )}
        </Flex>
      </Td>
    </Tr>
  );
};
