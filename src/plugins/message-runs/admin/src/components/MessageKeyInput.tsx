import * as React from 'react';
import { Combobox, ComboboxOption, Field } from '@strapi/design-system';
import { useDebounce, useField } from '@strapi/strapi/admin';
import type { KEY_SOURCES } from '../../../shared/constants';
import { useGetKeyOptionsQuery } from '../services/api';
import { useT } from '../utils/translations';

/** The props the Content Manager gives a custom field's input. */
interface MessageKeyInputProps {
  name: string;
  label: React.ReactNode;
  hint?: React.ReactNode;
  labelAction?: React.ReactNode;
  required?: boolean;
  disabled?: boolean;
  placeholder?: string;
  attribute: { options?: { source?: keyof typeof KEY_SOURCES } };
}

/**
 * The message-key custom field (a definition's sender and recipient keys): a text that must match a
 * key exactly, typed or picked from the keys in use (GET /message-runs/options/<source>). A key no
 * entry has yet can still be typed: customers may get their addresses later.
 */
export const MessageKeyInput = React.forwardRef<HTMLInputElement, MessageKeyInputProps>(
  ({ name, label, hint, labelAction, required, disabled, placeholder, attribute }, ref) => {
    const t = useT();
    const field = useField<string>(name);
    const text = field.value ?? '';
    // What the editor types narrows the list; the stored key does not, so opening it shows every key.
    const [typed, setTyped] = React.useState('');
    const q = useDebounce(typed, 250);
    const { data, isLoading } = useGetKeyOptionsQuery({
      source: attribute.options?.source ?? 'recipients',
      q: q || undefined,
    });
    const keys = (data?.data ?? []).map((option) => option.key);
    const change = (key: string | undefined) => field.onChange(name, key ?? '');

    return (
      <Field.Root name={name} id={name} error={field.error} hint={hint} required={required}>
        <Field.Label action={labelAction}>{label}</Field.Label>
        <Combobox
          ref={ref}
          allowCustomValue
          // The server filters by what is typed; a client-side filter would narrow by the stored key too.
          autocomplete="none"
          textValue={text}
          onTextValueChange={change}
          onInputChange={(event) => setTyped(event.target.value)}
          value={keys.includes(text) ? text : undefined}
          onChange={(key) => {
            change(key);
            setTyped('');
          }}
          onClear={() => change(undefined)}
          disabled={disabled}
          loading={isLoading}
          hasError={Boolean(field.error)}
          placeholder={placeholder || t('keys.placeholder', 'Pick or type a key')}
          clearLabel={t('form.clear', 'Clear')}
          noOptionsMessage={() => t('keys.none', 'No entry has this key yet')}
        >
          {keys.map((key) => (
            <ComboboxOption key={key} value={key}>
              {key}
            </ComboboxOption>
          ))}
        </Combobox>
        <Field.Hint />
        <Field.Error />
      </Field.Root>
    );
  }
);
