import * as React from 'react';
import {
  Box,
  Button,
  Checkbox,
  Flex,
  IconButton,
  Table,
  Tbody,
  Td,
  Th,
  Thead,
  Tr,
  Typography,
} from '@strapi/design-system';
import { ArrowClockwise, Download, Eye, Trash } from '@strapi/icons';
import { SearchInput, useFetchClient, useNotification, useQueryParams } from '@strapi/strapi/admin';
import { PLUGIN_ID, RESULT_STATUSES, SENT_STATUSES } from '../../../shared/constants';
import type { GetResults, Result } from '../../../shared/contracts/results';
import { errorMessage, POLL_MS, useApi, useInterval } from '../hooks/useApi';
import { useRunActions } from '../hooks/useRunActions';
import { filenameOf, saveBlob } from '../utils/download';
import { useDateFormats } from '../utils/format';
import { useLabels } from '../utils/labels';
import { useT } from '../utils/translations';
import { ColumnHeader } from './ColumnHeader';
import { ConfirmAction } from './ConfirmAction';
import { ListPagination } from './ListPagination';
import { EmptyState, Loaded } from './PageParts';
import { ResultPreviewModal } from './ResultPreviewModal';
import { StatusBadge } from './StatusBadge';
import { StatusFilter } from './StatusFilter';

/** status: one status or several, comma-separated (GET /runs/:id/results takes both). */
type Query = { page?: string; pageSize?: string; sort?: string; status?: string; _q?: string };

interface ResultsSectionProps {
  runId: string;
  /** Refresh by itself (the run is sending). */
  polling: boolean;
  canManage: boolean;
  /** After an action: the run's status and counts change too. */
  onChange: () => unknown;
}

/**
 * A run's results: filter, search, sort and pages in the URL (so a reload or a shared link shows the
 * same list), a selection that survives refreshes, bulk and per-row resend and remove, preview, CSV.
 */
export const ResultsSection = ({ runId, polling, canManage, onChange }: ResultsSectionProps) => {
  const t = useT();
  const { moment } = useDateFormats();
  const { get } = useFetchClient();
  const { toggleNotification } = useNotification();
  const [{ query }, setQuery] = useQueryParams<Query>();
  const sort = query.sort ?? 'createdAt:asc';
  // SearchInput keeps its text encoded in `_q`.
  const q = query._q ? decodeURIComponent(query._q) : undefined;
  const params = { page: query.page ?? 1, pageSize: query.pageSize ?? 25, sort, status: query.status, q };
  const results = useApi<GetResults.Response>(`/${PLUGIN_ID}/runs/${runId}/results`, params);
  const { data, refetch } = results;
  useInterval(refetch, polling ? POLL_MS : undefined);
  // The last outcomes may land after the last poll: one more look once the run stops sending.
  const wasPolling = React.useRef(polling);
  React.useEffect(() => {
    if (wasPolling.current && !polling) refetch();
    wasPolling.current = polling;
  }, [polling, refetch]);

  const [selected, setSelected] = React.useState<Set<string>>(new Set());
  // The row as it was clicked; the list's fresher copy once a refresh brings one (its sha256 once sent).
  const [previewed, setPreviewed] = React.useState<Result>();
  // Another page, filter or order shows other rows: a selection of rows no longer shown would surprise.
  const listKey = JSON.stringify(params);
  React.useEffect(() => setSelected(new Set()), [listKey]);

  const refresh = () => Promise.all([refetch(), onChange()]);
  const actions = useRunActions(runId, refresh);
  const rows = data?.data ?? [];
  const previewedNow = previewed && (rows.find((row) => row.documentId === previewed.documentId) ?? previewed);
  const counts = data?.meta.counts;
  const selectedIds = rows.filter((row) => selected.has(row.documentId)).map((row) => row.documentId);
  const toggle = (id: string, on: boolean) =>
    setSelected((previous) => {
      const next = new Set(previous);
      if (on) next.add(id);
      else next.delete(id);
      return next;
    });
  const afterRemove = (ids: string[]) =>
    setSelected((previous) => new Set([...previous].filter((id) => !ids.includes(id))));

  const exportCsv = async () => {
    try {
      const { data: blob, headers } = await get(`/${PLUGIN_ID}/runs/${runId}/results/export`, {
        responseType: 'blob',
        params: { status: query.status },
      });
      saveBlob(blob, filenameOf(headers) ?? `message-run-${runId}-results.csv`);
    } catch (exportError) {
      toggleNotification({ type: 'danger', message: errorMessage(exportError) });
    }
  };

  const setSort = (next: string) => setQuery({ sort: next, page: '1' });
  const headerState =
    rows.length > 0 && selectedIds.length === rows.length ? true : selectedIds.length > 0 ? 'indeterminate' : false;

  const table = ({ meta }: GetResults.Response) =>
    rows.length === 0 ? (
      <EmptyState
        content={
          query.status || q
            ? t('results.emptyFiltered', 'No results match the filter')
            : t('results.empty', 'This run has no results')
        }
      />
    ) : (
      <>
        <style>{NARROW_LAYOUT}</style>
        <Table colCount={canManage ? 7 : 6} rowCount={rows.length + 1} aria-label={t('results.title', 'Results')}>
          <Thead>
            <Tr>
              {canManage && (
                <ColumnHeaderCheckbox
                  checked={headerState}
                  label={t('results.selectAll', 'Select all results on this page')}
                  onChange={(on) => setSelected(new Set(on ? rows.map((row) => row.documentId) : []))}
                />
              )}
              <ColumnHeader
                name="invoice.number"
                label={t('results.invoice', 'Invoice')}
                sort={sort}
                onSort={setSort}
              />
              <ColumnHeader
                name="customer.name"
                label={t('results.customer', 'Customer')}
                sort={sort}
                onSort={setSort}
              />
              <ColumnHeader
                name="recipient"
                label={t('results.recipient', 'Recipient')}
                sort={sort}
                onSort={setSort}
                className={WIDE_ONLY}
              />
              <ColumnHeader name="status" label={t('results.status', 'Status')} sort={sort} onSort={setSort} />
              <ColumnHeader
                name="sentAt"
                label={t('results.sentAt', 'Sent at')}
                sort={sort}
                onSort={setSort}
                className={WIDE_ONLY}
              />
              <ColumnHeader name="actions" label={t('results.actions', 'Actions')} />
            </Tr>
          </Thead>
          <Tbody>
            {rows.map((row) => (
              <ResultRow
                key={row.documentId}
                row={row}
                canManage={canManage}
                selected={selected.has(row.documentId)}
                onSelect={(on) => toggle(row.documentId, on)}
                onPreview={() => setPreviewed(row)}
                onResend={() => actions.resend({ ids: [row.documentId] })}
                onRemove={async () => {
                  if (await actions.remove([row.documentId])) afterRemove([row.documentId]);
                }}
                formatDate={moment}
              />
            ))}
          </Tbody>
        </Table>
        <ListPagination pagination={meta.pagination} />
      </>
    );

  return (
    <Flex direction="column" alignItems="stretch" gap={4}>
      <Flex justifyContent="space-between" gap={2} wrap="wrap">
        <Flex gap={2}>
          <SearchInput label={t('results.search', 'Search by customer, invoice number or recipient')} />
          <StatusFilter
            statuses={RESULT_STATUSES}
            value={query.status}
            counts={counts}
            onChange={(status) => setQuery({ status, page: '1' })}
          />
          {canManage && selectedIds.length > 0 && (
            <BulkActions
              count={selectedIds.length}
              onResend={() => actions.resend({ ids: selectedIds })}
              onRemove={async () => {
                if (await actions.remove(selectedIds)) afterRemove(selectedIds);
              }}
            />
          )}
        </Flex>
        <Flex gap={2}>
          {canManage && (
            <ConfirmAction
              title={t('results.resendFailed', 'Resend all failed')}
              message={t(
                'results.resendFailed.confirm',
                'Send the {count, plural, one {# failed result} other {# failed results}} again?',
                {
                  count: counts?.failed ?? 0,
                }
              )}
              variant="default"
              onConfirm={() => actions.resend({ status: ['failed'] })}
              trigger={
                <Button variant="secondary" startIcon={<ArrowClockwise />} disabled={!counts?.failed}>
                  {t('results.resendFailed', 'Resend all failed')}
                </Button>
              }
            />
          )}
          <Button variant="tertiary" startIcon={<Download />} onClick={exportCsv}>
            {t('results.export', 'Export CSV')}
          </Button>
        </Flex>
      </Flex>
      <Loaded query={results}>{table}</Loaded>
      <ResultPreviewModal result={previewedNow} canTestSend={canManage} onClose={() => setPreviewed(undefined)} />
    </Flex>
  );
};

const ColumnHeaderCheckbox = ({
  checked,
  label,
  onChange,
}: {
  checked: boolean | 'indeterminate';
  label: string;
  onChange: (on: boolean) => void;
}) => (
  <Th>
    <Checkbox aria-label={label} checked={checked} onCheckedChange={(value) => onChange(value === true)} />
  </Th>
);

const BulkActions = ({
  count,
  onResend,
  onRemove,
}: {
  count: number;
  onResend: () => unknown;
  onRemove: () => unknown;
}) => {
  const t = useT();
  return (
    <Flex gap={2} paddingLeft={2}>
      <Typography variant="omega" textColor="neutral600">
        {t('results.selected', '{count, plural, one {# result} other {# results}} selected', { count })}
      </Typography>
      <ConfirmAction
        title={t('results.resend', 'Resend')}
        message={t('results.resend.confirm', 'Send {count, plural, one {# result} other {# results}} again?', {
          count,
        })}
        variant="default"
        onConfirm={onResend}
        trigger={
          <Button variant="secondary" size="S" startIcon={<ArrowClockwise />}>
            {t('results.resend', 'Resend')}
          </Button>
        }
      />
      <ConfirmAction
        title={t('results.remove', 'Remove')}
        message={t('results.remove.confirm', 'Remove {count, plural, one {# result} other {# results}} from the run?', {
          count,
        })}
        onConfirm={onRemove}
        trigger={
          <Button variant="danger-light" size="S" startIcon={<Trash />}>
            {t('results.remove', 'Remove')}
          </Button>
        }
      />
    </Flex>
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

/**
 * Below 1100 px wide (a laptop's split screen, a tablet) the recipient and the sending time move into
 * the customer's and the status's cells, so the actions stay in view, as Strapi's list views keep theirs.
 */
const WIDE_ONLY = 'message-runs-wide-only';
const NARROW_ONLY = 'message-runs-narrow-only';
const NARROW_LAYOUT = `@media (max-width: 1099px) { .${WIDE_ONLY} { display: none; } }
@media (min-width: 1100px) { .${NARROW_ONLY} { display: none; } }`;

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
            <Typography variant="pi" textColor="danger600" tag="p" style={{ overflowWrap: 'anywhere', whiteSpace: 'normal' }}>
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
