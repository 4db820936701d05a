import * as React from 'react';
import { Dialog } from '@strapi/design-system';
import { Information } from '@strapi/icons';
import { ConfirmDialog } from '@strapi/strapi/admin';

interface ConfirmActionProps {
  /** The button that opens the dialog. */
  trigger: React.ReactElement;
  title: string;
  /** What will happen, e.g. "Resend 2 results?" */
  message: string;
  variant?: 'danger' | 'default' | 'secondary';
  onConfirm: () => unknown;
}

/** A button that asks before it acts: every destructive or bulk action of the plugin goes through it. */
export const ConfirmAction = ({ trigger, title, message, variant = 'danger', onConfirm }: ConfirmActionProps) => {
  const [open, setOpen] = React.useState(false);
  return (
    <Dialog.Root open={open} onOpenChange={setOpen}>
      <Dialog.Trigger>{trigger}</Dialog.Trigger>
      <ConfirmDialog
        title={title}
        variant={variant}
        // The warning sign is for what cannot be undone.
        icon={variant === 'danger' ? undefined : <Information width="2.4rem" height="2.4rem" fill="primary600" />}
        onConfirm={async () => {
          await onConfirm();
          setOpen(false);
        }}
      >
        {message}
      </ConfirmDialog>
    </Dialog.Root>
  );
};
