import * as React from 'react';
import { Field, Grid } from '@strapi/design-system';

interface FormFieldProps {
  name: string;
  label: string;
  error?: string;
  hint?: string;
  required?: boolean;
  /** Columns of the form's 12-column grid it spans, when it stands in one. */
  col?: number;
  children: React.ReactNode;
}

/** A labelled input with its hint and error (Field.Root gives the input its label and aria wiring). */
export const FormField = ({ name, label, error, hint, required, col, children }: FormFieldProps) => {
  const field = (
    <Field.Root name={name} id={name} error={error} hint={hint} required={required}>
      <Field.Label>{label}</Field.Label>
      {children}
      <Field.Error />
      <Field.Hint />
    </Field.Root>
  );
  return col ? (
    <Grid.Item col={col} direction="column" alignItems="stretch">
      {field}
    </Grid.Item>
  ) : (
    field
  );
};
