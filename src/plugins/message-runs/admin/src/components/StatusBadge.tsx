import { Badge } from '@strapi/design-system';
import type { ResultStatus, RunStatus } from '../../../shared/constants';
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
  bounced: 'danger',
  complained: 'danger',
};

/** The status of a run or a result, in one colour per status across the plugin's pages. */
export const StatusBadge = ({ status }: { status: RunStatus | ResultStatus }) => {
  const labels = useLabels();
  return <Badge variant={VARIANTS[status]}>{labels.status(status)}</Badge>;
};

/** The theme colour of a status, for the progress bar's segments. */
export const statusColor = (status: ResultStatus) => `${VARIANTS[status]}500`;
