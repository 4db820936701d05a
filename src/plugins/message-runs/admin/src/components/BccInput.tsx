import * as React from 'react';
import { Flex, Tag, TextInput } from '@strapi/design-system';
import { Cross } from '@strapi/icons';
import { useT } from '../utils/translations';

/** The shape the server checks too (yup's email): something@domain.tld, no spaces. */
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

interface BccInputProps {
  value: string[];
  onChange: (addresses: string[]) => void;
  /** Reports the typed text's problem (or undefined), so the field can show it. */
  onProblem: (problem: string | undefined) => void;
  placeholder?: string;
}

/**
 * Email addresses (a run's Bcc, a test-send's recipients) as removable tags: an address is added on Enter, comma or leaving the field, and
 * refused as it is typed when it is not an address.
 */
export const BccInput = ({ value, onChange, onProblem, placeholder }: BccInputProps) => {
  const t = useT();
  const [text, setText] = React.useState('');

  const check = (typed: string) =>
    typed && !EMAIL.test(typed)
      ? t('form.bcc.invalid', '"{address}" is not an email address', { address: typed })
      : undefined;

  const add = () => {
    const address = text.trim().replace(/,$/, '');
    if (!address) return;
    const problem = check(address);
    onProblem(problem);
    if (problem) return;
    if (!value.some((existing) => existing.toLowerCase() === address.toLowerCase())) onChange([...value, address]);
    setText('');
  };

  return (
    <Flex direction="column" alignItems="stretch" gap={2}>
      <TextInput
        value={text}
        placeholder={placeholder ?? t('form.bcc.placeholder', 'archive@example.com, then Enter')}
        onChange={(event: React.ChangeEvent<HTMLInputElement>) => {
          setText(event.target.value);
          // While typing, only a finished-looking entry is judged, so a half-typed address is not an error yet.
          onProblem(event.target.value.includes('@') ? check(event.target.value.trim()) : undefined);
        }}
        onKeyDown={(event: React.KeyboardEvent<HTMLInputElement>) => {
          if (event.key === 'Enter' || event.key === ',') {
            event.preventDefault();
            add();
          }
        }}
        onBlur={add}
      />
      {value.length > 0 && (
        <Flex gap={2} wrap="wrap">
          {value.map((address) => (
            <Tag
              key={address}
              icon={<Cross />}
              label={t('form.bcc.remove', 'Remove {address}', { address })}
              onClick={() => onChange(value.filter((other) => other !== address))}
            >
              {address}
            </Tag>
          ))}
        </Flex>
      )}
    </Flex>
  );
};
