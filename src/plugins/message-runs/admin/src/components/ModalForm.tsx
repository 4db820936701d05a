import * as React from 'react';
import { Button, Grid, Modal } from '@strapi/design-system';
import { useNotification } from '@strapi/strapi/admin';
import { errorMessage, fieldErrors } from '../utils/errors';
import { useT } from '../utils/translations';

/**
 * A dialog's form (inside Modal.Content): its fields in a 12-column grid, then Cancel and the submit
 * button in the footer. Enter in a field submits it, as the button does.
 */
export const ModalForm = ({
  onSubmit,
  submit,
  children,
}: {
  onSubmit: () => unknown;
  /** The submit button (`type="submit"`). */
  submit: React.ReactNode;
  children: React.ReactNode;
}) => {
  const t = useT();
  return (
    <form
      onSubmit={(event) => {
        event.preventDefault();
        onSubmit();
      }}
    >
      <Modal.Body>
        <Grid.Root gap={5}>{children}</Grid.Root>
      </Modal.Body>
      <Modal.Footer>
        <Modal.Close>
          <Button variant="tertiary">{t('form.cancel', 'Cancel')}</Button>
        </Modal.Close>
        {submit}
      </Modal.Footer>
    </form>
  );
};

/**
 * A form's server errors by field. `showError` puts a 400's messages on the fields they name; anything
 * else (or a 400 without a field) becomes a notification.
 */
export function useFormErrors() {
  const { toggleNotification } = useNotification();
  const [errors, setErrors] = React.useState<Record<string, string>>({});
  const showError = (error: unknown) => {
    const byField = fieldErrors(error);
    setErrors(byField);
    if (!Object.keys(byField).some(Boolean)) toggleNotification({ type: 'danger', message: errorMessage(error) });
  };
  /** Clears the errors of the fields a change touched. */
  const clearErrors = (fields: string[]) =>
    setErrors((previous) => ({ ...previous, ...Object.fromEntries(fields.map((field) => [field, ''])) }));
  return { errors, setErrors, showError, clearErrors };
}

export type FormErrors = ReturnType<typeof useFormErrors>;
