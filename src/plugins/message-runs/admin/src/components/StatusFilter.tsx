import { SingleSelect, SingleSelectOption } from '@strapi/design-system';
import type { ResultStatus, RunStatus } from '../../../shared/constants';
import { useLabels } from '../utils/labels';
import { useT } from '../utils/translations';

interface StatusFilterProps<S extends RunStatus | ResultStatus> {
  statuses: readonly S[];
  value?: S;
  onChange: (status: S | undefined) => void;
  /** Number per status, shown beside it. */
  counts?: Partial<Record<S, number>>;
}

const ALL = 'all';

/** "All statuses" or one status: the filter of both lists. */
export function StatusFilter<S extends RunStatus | ResultStatus>({
  statuses,
  value,
  onChange,
  counts,
}: StatusFilterProps<S>) {
  const t = useT();
  const labels = useLabels();
  return (
    <SingleSelect
      size="S"
      aria-label={t('filter.status', 'Filter by status')}
      value={value ?? ALL}
      onChange={(selected) => onChange(selected === ALL ? undefined : (selected as S))}
    >
      <SingleSelectOption value={ALL}>{t('filter.all', 'All statuses')}</SingleSelectOption>
      {statuses.map((status) => (
        <SingleSelectOption key={status} value={status}>
          {labels.status(status)}
          {counts?.[status] !== undefined ? ` (${counts[status]})` : ''}
        </SingleSelectOption>
      ))}
    </SingleSelect>
  );
}
