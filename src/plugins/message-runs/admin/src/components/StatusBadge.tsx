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
  // Refused after it was sent, like a failure; a spam report in a colour of its own, as rare as it is grave.
  bounced: 'danger',
  complained: 'alternative',
};

/** The status of a run or a result, in one colour per status across the plugin's pages. */
export const StatusBadge = ({ status }: { status: RunStatus | ResultStatus }) => {
  const labels = useLabels();
  return <Badge variant={VARIANTS[status]}>{labels.status(status)}</Badge>;
};

/** The theme colour of a status, for the progress bar's segments; `shade` tells apart two of one colour. */
export const statusColor = (status: ResultStatus, shade: 500 | 700 = 500) => `${VARIANTS[status]}${shade}`;
