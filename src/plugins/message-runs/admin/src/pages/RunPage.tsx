import * as React from 'react';
import { Box, Button, Flex, Grid, Typography } from '@strapi/design-system';
import { Play, Stop, Trash } from '@strapi/icons';
import { BackButton, Page, useQueryParams } from '@strapi/strapi/admin';
import { useNavigate, useParams } from 'react-router-dom';
import { PLUGIN_ID, RESULT_STATUSES } from '../../../shared/constants';
import type { Run } from '../../../shared/contracts/runs';
import { ConfirmAction } from '../components/ConfirmAction';
import { EventsTable } from '../components/EventsTable';
import { ErrorState, Loaded, PluginPage } from '../components/PageParts';
import { PausedRunAlert } from '../components/PausedRunAlert';
import { REPORTED_STATUSES, ReportedResultsAlert } from '../components/ReportedResultsAlert';
import { ResultsSection } from '../components/ResultsSection';
import { ScheduleRunButton, useScheduleLabel } from '../components/ScheduleFields';
import { RunProgress } from '../components/RunProgress';
import { RunStatusBadge } from '../components/StatusBadge';
import { usePermissions } from '../hooks/usePermissions';
import { useRunActions } from '../hooks/useRunActions';
import { pollWhile, useCachedRun, useGetRunEventsQuery, useGetRunQuery } from '../services/api';
import { errorStatus } from '../utils/errors';
import { fullName, useDateFormats } from '../utils/format';
import { useLabels } from '../utils/labels';
import { useT } from '../utils/translations';

const Detail = ({ label, children }: { label: string; children: React.ReactNode }) => (
  <Grid.Item col={3} s={6} xs={12} direction="column" alignItems="start" gap={1}>
    <Typography variant="sigma" textColor="neutral600">
      {label}
    </Typography>
    <Typography textColor="neutral800">{children}</Typography>
  </Grid.Item>
);

const RunDetails = ({ run }: { run: Run }) => {
  const t = useT();
  const labels = useLabels();
  const { day: date, moment } = useDateFormats();
  const timestamp = (value: string | null) => (value ? moment(value) : '—');
  const creator = fullName(run.createdBy);
  const scheduleLabel = useScheduleLabel();
  const stopped = () => {
    if (!run.stopReason) return timestamp(run.stoppedAt);
    const reason = labels.stopReason(run.stopReason);
    // Start clears stoppedAt but keeps the reason: how the run was stopped before it was resumed.
    return run.stoppedAt
      ? t('run.stoppedWhy', '{date}, {reason}', { date: timestamp(run.stoppedAt), reason })
      : t('run.resumedSince', 'Resumed since; last {reason}', { reason });
  };
  return (
    <Box background="neutral0" hasRadius shadow="tableShadow" padding={6}>
      <Grid.Root gap={5}>
        <Detail label={t('run.definition', 'Definition')}>{run.definition.name}</Detail>
        <Detail label={t('run.cluster', 'Cluster')}>{run.cluster?.name ?? '—'}</Detail>
        <Detail label={t('run.includeChildren', 'Child clusters')}>
          {run.includeChildren ? t('run.included', 'Included') : t('run.notIncluded', 'Not included')}
        </Detail>
        <Detail label={t('run.period', 'Invoice period')}>{`${date(run.periodStart)} – ${date(run.periodEnd)}`}</Detail>
        <Detail label={t('run.bcc', 'Bcc')}>{run.bcc.length ? run.bcc.join(', ') : '—'}</Detail>
        <Detail label={t('run.status', 'Status')}>
          <RunStatusBadge run={run} />
        </Detail>
        <Detail label={t('run.created', 'Created')}>
          {creator
            ? t('run.createdBy', '{date} by {name}', { date: timestamp(run.createdAt), name: creator })
            : timestamp(run.createdAt)}
        </Detail>
        <Detail label={t('run.scheduled', 'Scheduled start')}>
          {run.scheduledAt ? scheduleLabel(run.scheduledAt, run.timeZone) : '—'}
        </Detail>
        {/* Past it, a run no instance could start stops with missed-schedule instead of starting late. */}
        <Detail label={t('run.notAfter', 'Don’t start after')}>
          {run.notAfter ? scheduleLabel(run.notAfter, run.timeZone) : '—'}
        </Detail>
        <Detail label={t('run.started', 'Started')}>{timestamp(run.startedAt)}</Detail>
        <Detail label={t('run.stopped', 'Stopped')}>{stopped()}</Detail>
        <Detail label={t('run.completed', 'Completed')}>{timestamp(run.completedAt)}</Detail>
      </Grid.Root>
    </Box>
  );
};

const RunCounts = ({ run }: { run: Run }) => {
  const t = useT();
  const labels = useLabels();
  return (
    <Box background="neutral0" hasRadius shadow="tableShadow" padding={6} data-testid="run-counts">
      <Flex direction="column" alignItems="stretch" gap={4}>
        <RunProgress counts={run.counts} showLegend={false} />
        <Flex gap={6} wrap="wrap" tag="dl">
          {(['total', ...RESULT_STATUSES] as const).map((status) => (
            <Flex key={status} direction="column" alignItems="start" data-testid={`count-${status}`}>
              <Typography tag="dt" variant="sigma" textColor="neutral600">
                {status === 'total' ? t('run.total', 'Total') : labels.status(status)}
              </Typography>
              <Typography tag="dd" variant="beta">
                {run.counts[status]}
              </Typography>
            </Flex>
          ))}
        </Flex>
      </Flex>
    </Box>
  );
};

/**
 * The run's audit trail: who created, started, stopped, resent or removed what, and when the queue
 * paused or completed it. Newest first: the admin who opens it asks what happened last ("who stopped
 * this run?"), and while the run is sending new entries come in at the top instead of below the fold.
 * Refreshed while the run sends, and after each action and change of status (the API slice's tags).
 */
const Activity = ({ run }: { run: Run }) => {
  const t = useT();
  const events = useGetRunEventsQuery(run.documentId, pollWhile(run.status === 'running'));
  return (
    <Box background="neutral0" hasRadius shadow="tableShadow" paddingTop={6} paddingBottom={2}>
      <Box paddingLeft={6} paddingRight={6} paddingBottom={2}>
        <Typography variant="delta" tag="h2">
          {t('run.activity', 'Activity')}
        </Typography>
      </Box>
      <Loaded query={events}>
        {({ data, meta }) => (
          <EventsTable events={data} truncated={meta.truncated} label={t('run.activity', 'Activity')} newestFirst />
        )}
      </Loaded>
    </Box>
  );
};

/** Start, resume or stop, saying which; none for a completed run (resending results runs it again). */
const TransitionButton = ({ run, onTransition }: { run: Run; onTransition: (action: 'start' | 'stop') => unknown }) => {
  const t = useT();
  const [busy, setBusy] = React.useState(false);
  const act = async (action: 'start' | 'stop') => {
    setBusy(true);
    await onTransition(action);
    setBusy(false);
  };
  if (run.status === 'running')
    return (
      <Button variant="secondary" startIcon={<Stop />} loading={busy} onClick={() => act('stop')}>
        {t('run.stop', 'Stop sending')}
      </Button>
    );
  if (run.status === 'completed') return null;
  if (run.status === 'scheduled')
    return (
      <>
        <Button variant="tertiary" loading={busy} onClick={() => act('stop')}>
          {t('run.cancelSchedule', 'Cancel schedule')}
        </Button>
        <Button startIcon={<Play />} loading={busy} onClick={() => act('start')}>
          {t('run.startNow', 'Start now')}
        </Button>
      </>
    );
  return (
    <Button startIcon={<Play />} loading={busy} onClick={() => act('start')}>
      {run.status === 'stopped'
        ? t('run.resume', 'Resume sending {count} unsent', { count: run.counts.queued + run.counts.retrying })
        : t('run.start', 'Start sending {count} messages', { count: run.counts.queued })}
    </Button>
  );
};

export const RunPage = () => {
  const t = useT();
  const navigate = useNavigate();
  const { documentId = '' } = useParams<{ documentId: string }>();
  const { canManageRuns, canManageResults } = usePermissions();
  // A scheduled run is polled too: the page shows it start.
  const cached = useCachedRun(documentId)?.status;
  const { data, error, isLoading } = useGetRunQuery(
    documentId,
    pollWhile(cached === 'running' || cached === 'scheduled')
  );
  const run = data?.data;
  const running = run?.status === 'running';
  const actions = useRunActions(documentId);
  const [, setQuery] = useQueryParams();
  const results = React.useRef<HTMLDivElement>(null);
  const showReported = () => {
    setQuery({ status: REPORTED_STATUSES, page: '1' });
    results.current?.scrollIntoView({ block: 'start' });
  };

  if (isLoading) return <Page.Loading />;
  // A run that is gone (deleted, a stale link) keeps the page's header and its way back.
  if (error || !run) {
    const missing = errorStatus(error) === 404;
    return (
      <PluginPage
        title={missing ? t('run.notFound', 'Run not found') : t('run.notLoaded', 'The run could not be loaded')}
        navigationAction={<BackButton fallback={`/plugins/${PLUGIN_ID}`} />}
      >
        <ErrorState error={error} />
      </PluginPage>
    );
  }

  const title = run.definition.name;
  return (
    <PluginPage
      documentTitle={t('run.pageTitle', 'Message run: {name}', { name: title })}
      navigationAction={<BackButton fallback={`/plugins/${PLUGIN_ID}`} />}
      title={title}
      subtitle={t('run.subtitle', '{cluster}, {count, plural, one {# result} other {# results}}', {
        cluster: run.cluster?.name ?? '—',
        count: run.counts.total,
      })}
      primaryAction={
        canManageRuns ? (
          <Flex gap={2}>
            <ConfirmAction
              title={t('run.delete', 'Delete run')}
              message={t(
                'run.delete.confirm',
                'Delete this run and its {count, plural, one {# result} other {# results}}?',
                {
                  count: run.counts.total,
                }
              )}
              onConfirm={async () => {
                if (await actions.deleteRun()) navigate(`/plugins/${PLUGIN_ID}`);
              }}
              trigger={
                <Button variant="danger-light" startIcon={<Trash />} disabled={running}>
                  {t('run.delete', 'Delete run')}
                </Button>
              }
            />
            {['created', 'stopped', 'scheduled'].includes(run.status) && <ScheduleRunButton run={run} />}
            <TransitionButton run={run} onTransition={actions.transition} />
          </Flex>
        ) : undefined
      }
    >
      <Flex direction="column" alignItems="stretch" gap={6}>
        <PausedRunAlert key={run.stoppedAt} run={run} />
        <ReportedResultsAlert run={run} onShow={showReported} />
        <RunDetails run={run} />
        <RunCounts run={run} />
        <Box ref={results}>
          <ResultsSection runId={documentId} canManage={canManageResults} actions={actions} />
        </Box>
        <Activity run={run} />
      </Flex>
    </PluginPage>
  );
};
