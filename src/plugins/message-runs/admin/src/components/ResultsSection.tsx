import * as React from 'react';
import { Flex } from '@strapi/design-system';
import { useNotification } from '@strapi/strapi/admin';
import type { Result } from '../../../shared/contracts/results';
import type { RunActions } from '../hooks/useRunActions';
import { useResultsList, useSelection } from '../hooks/useResultsList';
import { paths, pollWhile, useCachedRun, useGetRunResultsQuery } from '../services/api';
import { downloadFile } from '../utils/download';
import { useT } from '../utils/translations';
import { ListPagination } from './ListPagination';
import { EmptyState, Loaded } from './PageParts';
import { ResultPreviewModal } from './ResultPreviewModal';
import { ResultsTable } from './ResultsTable';
import { ResultsToolbar } from './ResultsToolbar';

interface ResultsSectionProps {
  runId: string;
  canManage: boolean;
  /** The run page's actions (resend and remove go through them). */
  actions: RunActions;
}

/**
 * A run's results: the list as the URL says (useResultsList), refreshed while the run sends, a
 * selection that survives refreshes, bulk and per-row resend and remove, preview, CSV.
 */
export const ResultsSection = ({ runId, canManage, actions }: ResultsSectionProps) => {
  const t = useT();
  const { toggleNotification } = useNotification();
  const list = useResultsList();
  const running = useCachedRun(runId)?.status === 'running';
  const results = useGetRunResultsQuery({ runId, ...list.params }, pollWhile(running));
  const rows = results.data?.data ?? [];
  const selection = useSelection(rows, JSON.stringify(list.params));
  // The row as it was clicked; the list's fresher copy once a refresh brings one (its sha256 once sent).
  const [previewed, setPreviewed] = React.useState<Result>();
  const previewedNow = previewed && (rows.find((row) => row.documentId === previewed.documentId) ?? previewed);

  const remove = async (ids: string[]) => {
    if (await actions.remove(ids)) selection.drop(ids);
  };
  const exportCsv = async () => {
    const problem = await downloadFile(paths.resultsAction(runId, 'export'), {
      fallbackName: `message-run-${runId}-results.csv`,
      params: { status: list.params.status },
      describe: (status) =>
        t('results.export.failed', 'The server could not export the results ({status}).', { status }),
    });
    if (problem) toggleNotification({ type: 'danger', message: problem });
  };

  return (
    <Flex direction="column" alignItems="stretch" gap={4}>
      <ResultsToolbar
        canManage={canManage}
        status={list.params.status}
        onStatus={list.setStatus}
        counts={results.data?.meta.counts}
        selectedCount={selection.selectedIds.length}
        onResendSelected={() => actions.resend({ ids: selection.selectedIds })}
        onRemoveSelected={() => remove(selection.selectedIds)}
        onResendFailed={() => actions.resend({ status: ['failed'] })}
        onExport={exportCsv}
      />
      <Loaded query={results}>
        {({ meta }) =>
          rows.length === 0 ? (
            <EmptyState
              content={
                list.filtered
                  ? t('results.emptyFiltered', 'No results match the filter')
                  : t('results.empty', 'This run has no results')
              }
            />
          ) : (
            <>
              <ResultsTable
                rows={rows}
                canManage={canManage}
                sort={list.params.sort}
                onSort={list.setSort}
                selection={selection}
                onPreview={setPreviewed}
                onResend={(row) => actions.resend({ ids: [row.documentId] })}
                onRemove={(row) => remove([row.documentId])}
              />
              <ListPagination pagination={meta.pagination} />
            </>
          )
        }
      </Loaded>
      <ResultPreviewModal result={previewedNow} canTestSend={canManage} onClose={() => setPreviewed(undefined)} />
    </Flex>
  );
};
