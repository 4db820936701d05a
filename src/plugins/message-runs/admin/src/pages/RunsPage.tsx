import { Box, Flex, Link, Table, Tbody, Td, Thead, Tr, Typography } from '@strapi/design-system';
import { useQueryParams } from '@strapi/strapi/admin';
import { NavLink, useNavigate } from 'react-router-dom';
import { PLUGIN_ID, RUN_STATUSES, type RunStatus } from '../../../shared/constants';
import type { GetRuns, Run } from '../../../shared/contracts/runs';
import { ColumnHeader } from '../components/ColumnHeader';
import { ListPagination } from '../components/ListPagination';
import { NARROW_ONLY, NarrowLayout, WIDE_ONLY } from '../components/NarrowLayout';
import { NewRunModal } from '../components/NewRunModal';
import { EmptyState, Loaded, PluginPage } from '../components/PageParts';
import { RunProgress } from '../components/RunProgress';
import { RunStatusBadge } from '../components/StatusBadge';
import { StatusFilter } from '../components/StatusFilter';
import { usePermissions } from '../hooks/usePermissions';
import { pollWhile, useCachedRuns, useGetRunsQuery } from '../services/api';
import { fullName, useDateFormats } from '../utils/format';
import { useT } from '../utils/translations';

/** When and by whom a run was created; `small` on the definition's cell, where narrow lists show it. */
const Created = ({ run, small = false }: { run: Run; small?: boolean }) => {
  const t = useT();
  const { moment } = useDateFormats();
  const name = fullName(run.createdBy);
  return (
    <>
      <Typography variant={small ? 'pi' : undefined} textColor={small ? 'neutral600' : 'neutral800'} tag="p">
        {moment(run.createdAt)}
      </Typography>
      {name && (
        <Typography variant="pi" textColor="neutral600" tag="p">
          {t('runs.by', 'by {name}', { name })}
        </Typography>
      )}
    </>
  );
};

export const RunsPage = () => {
  const t = useT();
  const { day } = useDateFormats();
  const navigate = useNavigate();
  const { canManageRuns } = usePermissions();
  const [{ query }, setQuery] = useQueryParams<{ page?: string; pageSize?: string; status?: RunStatus }>();
  const params = { page: Number(query.page ?? 1), pageSize: Number(query.pageSize ?? 10), status: query.status };
  // Running runs move: refresh their progress while the list shows one.
  const running = useCachedRuns(params)?.some((run) => run.status === 'running') ?? false;
  const runsQuery = useGetRunsQuery(params, pollWhile(running));

  const title = t('runs.title', 'Message Runs');
  const runPath = (run: Run) => `/plugins/${PLUGIN_ID}/runs/${run.documentId}`;
  const cluster = (run: Run) =>
    `${run.cluster?.name ?? '—'}${run.includeChildren ? ` ${t('runs.withChildren', '(with children)')}` : ''}`;
  const period = (run: Run) => `${day(run.periodStart)} – ${day(run.periodEnd)}`;

  const list = ({ data: runs, meta }: GetRuns.Response) =>
    runs.length === 0 ? (
      <EmptyState
        content={
          query.status ? t('runs.emptyFiltered', 'No runs with this status') : t('runs.empty', 'No message runs yet')
        }
        action={!query.status && canManageRuns ? <NewRunModal /> : undefined}
      />
    ) : (
      <Flex direction="column" alignItems="stretch" gap={4}>
        <NarrowLayout />
        <Table colCount={6} rowCount={runs.length + 1}>
          <Thead>
            <Tr>
              <ColumnHeader name="definition" label={t('runs.definition', 'Definition')} />
              <ColumnHeader name="cluster" label={t('runs.cluster', 'Cluster')} className={WIDE_ONLY} />
              <ColumnHeader name="period" label={t('runs.period', 'Invoice period')} className={WIDE_ONLY} />
              <ColumnHeader name="status" label={t('runs.status', 'Status')} />
              <ColumnHeader name="progress" label={t('runs.progress', 'Progress')} />
              <ColumnHeader name="created" label={t('runs.created', 'Created')} className={WIDE_ONLY} />
            </Tr>
          </Thead>
          <Tbody>
            {runs.map((run) => (
              <Tr key={run.documentId} onClick={() => navigate(runPath(run))} style={{ cursor: 'pointer' }}>
                <Td>
                  <Link tag={NavLink} to={runPath(run)} onClick={(event) => event.stopPropagation()}>
                    {run.definition.name}
                  </Link>
                  <Box className={NARROW_ONLY}>
                    {[cluster(run), period(run)].map((line) => (
                      <Typography key={line} variant="pi" textColor="neutral600" tag="p">
                        {line}
                      </Typography>
                    ))}
                    <Created run={run} small />
                  </Box>
                </Td>
                <Td className={WIDE_ONLY}>
                  <Typography textColor="neutral800">{cluster(run)}</Typography>
                </Td>
                <Td className={WIDE_ONLY}>
                  <Typography textColor="neutral800">{period(run)}</Typography>
                </Td>
                <Td>
                  <RunStatusBadge run={run} />
                </Td>
                <Td>
                  <RunProgress counts={run.counts} />
                </Td>
                <Td className={WIDE_ONLY}>
                  <Created run={run} />
                </Td>
              </Tr>
            ))}
          </Tbody>
        </Table>
        <ListPagination pagination={meta.pagination} />
      </Flex>
    );

  return (
    <PluginPage
      title={title}
      subtitle={t('runs.subtitle', 'Mail a message definition to the invoices of a customer cluster')}
      primaryAction={canManageRuns ? <NewRunModal /> : undefined}
      startActions={
        <StatusFilter
          statuses={RUN_STATUSES}
          value={query.status}
          onChange={(status) => setQuery({ status, page: '1' })}
        />
      }
    >
      <Loaded query={runsQuery}>{list}</Loaded>
    </PluginPage>
  );
};
