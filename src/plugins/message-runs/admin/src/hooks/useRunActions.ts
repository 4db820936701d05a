import { useNotification } from '@strapi/strapi/admin';
import type { ResendResults } from '../../../shared/contracts/results';
import {
  useDeleteRunMutation,
  useRemoveResultsMutation,
  useResendResultsMutation,
  useTransitionRunMutation,
} from '../services/api';
import { errorMessage } from '../utils/errors';
import { useLabels } from '../utils/labels';
import { useT } from '../utils/translations';

/**
 * What an admin does to a run and its results. Each action reports its outcome as a notification (the
 * server's message on failure, e.g. a 409 when the run's state changed meanwhile) and resolves to
 * whether it succeeded; the pages show the new state through the API slice's tags.
 */
export function useRunActions(runId: string) {
  const t = useT();
  const labels = useLabels();
  const { toggleNotification } = useNotification();
  const [transitionRun] = useTransitionRunMutation();
  const [resendResults] = useResendResultsMutation();
  const [removeResults] = useRemoveResultsMutation();
  const [deleteRun] = useDeleteRunMutation();

  /** `didNothing`: the request succeeded but changed nothing (a resend of results still skipped): a warning, not a success. */
  async function act<T>(
    call: { unwrap: () => Promise<{ data: T }> },
    success: (data: T) => string,
    didNothing = (_: T): boolean => false
  ) {
    try {
      const { data } = await call.unwrap();
      toggleNotification({ type: didNothing(data) ? 'warning' : 'success', message: success(data) });
      return true;
    } catch (error) {
      toggleNotification({ type: 'danger', message: errorMessage(error) });
      return false;
    }
  }

  return {
    transition: (action: 'start' | 'stop') =>
      act(transitionRun({ runId, action }), () =>
        action === 'start' ? t('actions.started', 'Sending started') : t('actions.stopped', 'Sending stopped')
      ),
    resend: (select: ResendResults.Request['body']) =>
      act(resendResults({ runId, select }), labels.resent, (counts) => counts.requeued === 0),
    remove: (ids: string[]) => act(removeResults({ runId, ids }), labels.removed),
    deleteRun: () => act(deleteRun(runId), () => t('actions.deleted', 'Run deleted')),
  };
}

export type RunActions = ReturnType<typeof useRunActions>;
