import { Button, Flex, Typography } from '@strapi/design-system';
import { ArrowClockwise, Download, Trash } from '@strapi/icons';
import { SearchInput } from '@strapi/strapi/admin';
import { RESULT_STATUSES } from '../../../shared/constants';
import type { ResultCounts } from '../../../shared/contracts/runs';
import { useT } from '../utils/translations';
import { ConfirmAction } from './ConfirmAction';
import { StatusFilter } from './StatusFilter';

interface ResultsToolbarProps {
  canManage: boolean;
  status?: string;
  onStatus: (status: string | undefined) => void;
  /** The whole run's results per status, beside the filter's statuses. */
  counts?: ResultCounts;
  selectedCount: number;
  onResendSelected: () => unknown;
  onRemoveSelected: () => unknown;
  onResendFailed: () => unknown;
  onExport: () => unknown;
}

/** Above the results: search, status filter, the selection's bulk actions, resend all failed, CSV export. */
export const ResultsToolbar = ({
  canManage,
  status,
  onStatus,
  counts,
  selectedCount,
  onResendSelected,
  onRemoveSelected,
  onResendFailed,
  onExport,
}: ResultsToolbarProps) => {
  const t = useT();
  return (
    <Flex justifyContent="space-between" gap={2} wrap="wrap">
      <Flex gap={2}>
        <SearchInput label={t('results.search', 'Search by customer, invoice number or recipient')} />
        <StatusFilter statuses={RESULT_STATUSES} value={status} counts={counts} onChange={onStatus} />
        {canManage && selectedCount > 0 && (
          <BulkActions count={selectedCount} onResend={onResendSelected} onRemove={onRemoveSelected} />
        )}
      </Flex>
      <Flex gap={2}>
        {canManage && (
          <ConfirmAction
            title={t('results.resendFailed', 'Resend all failed')}
            message={t(
              'results.resendFailed.confirm',
              'Send the {count, plural, one {# failed result} other {# failed results}} again?',
              { count: counts?.failed ?? 0 }
            )}
            variant="default"
            onConfirm={onResendFailed}
            trigger={
              <Button variant="secondary" startIcon={<ArrowClockwise />} disabled={!counts?.failed}>
                {t('results.resendFailed', 'Resend all failed')}
              </Button>
            }
          />
        )}
        <Button variant="tertiary" startIcon={<Download />} onClick={onExport}>
          {t('results.export', 'Export CSV')}
        </Button>
      </Flex>
    </Flex>
  );
};

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
