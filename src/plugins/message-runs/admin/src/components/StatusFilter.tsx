import { SingleSelect, SingleSelectOption } from '@strapi/design-system';
import { useT } from '../utils/translations';

interface StatusFilterProps<S extends string> {
  statuses: readonly S[];
  value?: S;
  onChange: (status: S | undefined) => void;
  /** Number per status, shown beside it. */
  counts?: Partial<Record<S, number>>;
}

const ALL = 'all';

/** "All statuses" or one status: the filter of both lists. */
export function StatusFilter<S extends string>({ statuses, value, onChange, counts }: StatusFilterProps<S>) {
  const t = useT();
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
          {t(`status.${status}`, status)}
          {counts?.[status] !== undefined ? ` (${counts[status]})` : ''}
        </SingleSelectOption>
      ))}
    </SingleSelect>
  );
}
