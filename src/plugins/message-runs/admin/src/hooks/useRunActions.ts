import { useFetchClient, useNotification } from '@strapi/strapi/admin';
import { PLUGIN_ID } from '../../../shared/constants';
import type { RemoveResults, ResendResults } from '../../../shared/contracts/results';
import type { DeleteRun, TransitionRun } from '../../../shared/contracts/runs';
import { useLabels } from '../utils/labels';
import { useT } from '../utils/translations';
import { errorMessage } from './useApi';

/**
 * What an admin does to a run and its results. Each action reports its outcome as a notification
 * (the server's message on failure, e.g. a 409 when the run's state changed meanwhile), then calls
 * `onDone` so the page shows the new state. Each resolves to whether it succeeded.
 */
export function useRunActions(runId: string, onDone: () => unknown) {
  const t = useT();
  const labels = useLabels();
  const { post, del } = useFetchClient();
  const { toggleNotification } = useNotification();
  const runUrl = `/${PLUGIN_ID}/runs/${runId}`;

  /** `didNothing`: the request succeeded but changed nothing (a resend of results still skipped): a warning, not a success. */
  async function act<T>(
    call: () => Promise<{ data: { data: T } }>,
    success: (data: T) => string,
    { refresh = true, didNothing = (_: T): boolean => false }: { refresh?: boolean; didNothing?: (data: T) => boolean } = {}
  ) {
    try {
      const { data } = await call();
      toggleNotification({ type: didNothing(data.data) ? 'warning' : 'success', message: success(data.data) });
      return true;
    } catch (error) {
      toggleNotification({ type: 'danger', message: errorMessage(error) });
      return false;
    } finally {
      if (refresh) await onDone();
    }
  }

  return {
    transition: (action: 'start' | 'stop') =>
      act(
        () => post<TransitionRun.Response>(`${runUrl}/${action}`),
        () => (action === 'start' ? t('actions.started', 'Sending started') : t('actions.stopped', 'Sending stopped'))
      ),
    resend: (body: ResendResults.Request['body']) =>
      act(() => post<ResendResults.Response>(`${runUrl}/results/resend`, body), labels.resent, {
        didNothing: (counts) => counts.requeued === 0,
      }),
    remove: (ids: string[]) =>
      act(() => post<RemoveResults.Response>(`${runUrl}/results/remove`, { ids }), labels.removed),
    // A deleted run has nothing left to refresh: the page leaves it.
    deleteRun: () =>
      act(
        () => del<DeleteRun.Response>(runUrl),
        () => t('actions.deleted', 'Run deleted'),
        { refresh: false }
      ),
  };
}
