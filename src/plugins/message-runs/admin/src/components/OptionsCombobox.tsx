import * as React from 'react';
import { Combobox, ComboboxOption } from '@strapi/design-system';
import { useDebounce } from '@strapi/strapi/admin';
import { useT } from '../utils/translations';

interface OptionsComboboxProps<T extends { documentId: string }> {
  /** The API slice's query of the options (useGetClusterOptionsQuery, …); the server filters by `q`. */
  useOptions: (query: { q?: string }) => { data?: { data: T[] }; isLoading: boolean };
  value?: string;
  onChange: (documentId: string | undefined) => void;
  /** The text an option shows and is searched by. */
  labelOf: (option: T) => string;
  error?: string;
}

/** A combobox whose options the server searches as the user types (the lists can be long). */
export function OptionsCombobox<T extends { documentId: string }>({
  useOptions,
  value,
  onChange,
  labelOf,
  error,
}: OptionsComboboxProps<T>) {
  const t = useT();
  const [text, setText] = React.useState('');
  const q = useDebounce(text, 250);
  const { data, isLoading } = useOptions({ q: q || undefined });

  return (
    <Combobox
      value={value}
      onChange={(documentId) => onChange(documentId || undefined)}
      onInputChange={(event) => setText(event.target.value)}
      onClear={() => onChange(undefined)}
      autocomplete={{ type: 'list', filter: 'contains' }}
      loading={isLoading}
      hasError={Boolean(error)}
      clearLabel={t('form.clear', 'Clear')}
      noOptionsMessage={() => t('form.noOptions', 'Nothing matches')}
      placeholder={t('form.search', 'Type to search')}
    >
      {(data?.data ?? []).map((option) => (
        <ComboboxOption key={option.documentId} value={option.documentId}>
          {labelOf(option)}
        </ComboboxOption>
      ))}
    </Combobox>
  );
}
