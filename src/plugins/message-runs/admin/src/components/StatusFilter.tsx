import { SingleSelect, SingleSelectOption } from '@strapi/design-system';
import type { ResultStatus, RunStatus } from '../../../shared/constants';
import { useLabels } from '../utils/labels';
import { useT } from '../utils/translations';

interface StatusFilterProps<S extends RunStatus | ResultStatus> {
  statuses: readonly S[];
  /** One status, or several as `a,b` (results only: the run page's bounced banner sets "bounced,complained"). */
  value?: string;
  onChange: (status: S | undefined) => void;
  /** Number per status, shown beside it. */
  counts?: Partial<Record<S, number>>;
}

const ALL = 'all';

/** "All statuses" or one status (or the several a link chose): the filter of both lists. */
export function StatusFilter<S extends RunStatus | ResultStatus>({
  statuses,
  value,
  onChange,
  counts,
}: StatusFilterProps<S>) {
  const t = useT();
  const labels = useLabels();
  const count = (status: S) => (counts?.[status] !== undefined ? ` (${counts[status]})` : '');
  // Several statuses at once get an option of their own, so that the select shows what the list holds.
  const several = value?.includes(',')
    ? (value.split(',').filter((status) => statuses.includes(status as S)) as S[])
    : [];
  const total = several.reduce((sum, status) => sum + (counts?.[status] ?? 0), 0);
  return (
    <SingleSelect
      size="S"
      aria-label={t('filter.status', 'Filter by status')}
      value={value ?? ALL}
      onChange={(selected) => onChange(selected === ALL ? undefined : (selected as S))}
    >
      <SingleSelectOption value={ALL}>{t('filter.all', 'All statuses')}</SingleSelectOption>
      {several.length > 0 && (
        <SingleSelectOption value={value!}>
          {several.map((status) => labels.status(status)).join(t('filter.or', ' or '))}
          {counts ? ` (${total})` : ''}
        </SingleSelectOption>
      )}
      {statuses.map((status) => (
        <SingleSelectOption key={status} value={status}>
          {labels.status(status)}
          {count(status)}
        </SingleSelectOption>
      ))}
    </SingleSelect>
  );
}
