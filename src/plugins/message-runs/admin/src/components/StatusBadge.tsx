import { Badge } from '@strapi/design-system';
import type { ResultStatus, RunStatus } from '../../../shared/constants';
import type { Run } from '../../../shared/contracts/runs';
import { useT } from '../utils/translations';
import { useLabels } from '../utils/labels';

type Variant = 'success' | 'primary' | 'danger' | 'warning' | 'neutral' | 'secondary' | 'alternative';

const VARIANTS: Record<RunStatus | ResultStatus, Variant> = {
  created: 'neutral',
  scheduled: 'alternative',
  running: 'primary',
  stopped: 'warning',
  completed: 'success',
  queued: 'neutral',
  sending: 'primary',
  sent: 'success',
  retrying: 'warning',
  failed: 'danger',
  skipped: 'secondary',
  // Refused after it was sent, like a failure; a spam report in a colour of its own, as rare as it is grave.
  bounced: 'danger',
  complained: 'alternative',
};

/** The status of a run or a result, in one colour per status across the plugin's pages. */
export const StatusBadge = ({ status }: { status: RunStatus | ResultStatus }) => {
  const labels = useLabels();
  return <Badge variant={VARIANTS[status]}>{labels.status(status)}</Badge>;
};

/**
 * A run's status. A completed run whose results did not all reach their customer (failed, bounced,
 * complained) says how many in a warning colour, as Content Releases flags a release that failed in part:
 * a plain green "Completed" would hide them.
 */
export const RunStatusBadge = ({ run }: { run: Pick<Run, 'status' | 'counts'> }) => {
  const t = useT();
  const labels = useLabels();
  const { failed = 0, bounced = 0, complained = 0 } = run.counts;
  const undelivered = failed + bounced + complained;
  if (run.status !== 'completed' || undelivered === 0) return <StatusBadge status={run.status} />;
  return (
    <Badge variant="warning">
      {t('status.completedWithFailures', '{status}, {count} not delivered', { status: labels.status('completed'), count: undelivered })}
    </Badge>
  );
};

/** The theme colour of a status, for the progress bar's segments; `shade` tells apart two of one colour. */
export const statusColor = (status: ResultStatus, shade: 500 | 700 = 500) => `${VARIANTS[status]}${shade}`;
