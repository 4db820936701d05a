import * as React from 'react';
import { DatePicker } from '@strapi/design-system';
import { fromIsoDate, toIsoDate } from '../utils/format';
import { useT } from '../utils/translations';

/**
 * The design system's DatePicker on a calendar day (`YYYY-MM-DD`). The Date it gets keeps its
 * identity while the day stays the same: the picker puts its value back into the input whenever that
 * prop changes, so a new Date on every render (a page polling every 2 s) wiped a date being typed.
 */
export const DayPicker = ({
  value,
  minDate,
  onChange,
}: {
  value?: string;
  /** The first day that can be picked. */
  minDate?: string;
  onChange: (value: string | undefined) => void;
}) => {
  const t = useT();
  const date = React.useMemo(() => fromIsoDate(value), [value]);
  const min = React.useMemo(() => fromIsoDate(minDate), [minDate]);
  return (
    <DatePicker
      value={date}
      minDate={min}
      onChange={(picked) => onChange(toIsoDate(picked))}
      onClear={() => onChange(undefined)}
      clearLabel={t('form.clear', 'Clear')}
    />
  );
};
