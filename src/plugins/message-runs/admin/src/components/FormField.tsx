import * as React from 'react';
import { Field } from '@strapi/design-system';

interface FormFieldProps {
  name: string;
  label: string;
  error?: string;
  hint?: string;
  required?: boolean;
  children: React.ReactNode;
}

/** A labelled input with its hint and error (Field.Root gives the input its label and aria wiring). */
export const FormField = ({ name, label, error, hint, required, children }: FormFieldProps) => (
  <Field.Root name={name} id={name} error={error} hint={hint} required={required}>
    <Field.Label>{label}</Field.Label>
    {children}
    <Field.Error />
    <Field.Hint />
  </Field.Root>
);
