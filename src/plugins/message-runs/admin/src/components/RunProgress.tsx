import { Box, Flex, Typography } from '@strapi/design-system';
import type { ResultCounts } from '../../../shared/contracts/runs';
import { useT } from '../utils/translations';
import { statusColor } from './StatusBadge';

/**
 * A bar of a run's results: sent, bounced, reported as spam, failed and skipped in their status colours,
 * the rest (queued, sending, retrying) as the remaining grey part; with the numbers as text for screen
 * readers and eyes. Bounced and complained are named only when there are some: most runs have none.
 */
export const RunProgress = ({ counts, showLegend = true }: { counts: ResultCounts; showLegend?: boolean }) => {
  const t = useT();
  const remaining = counts.queued + counts.sending + counts.retrying;
  const segments = [
    { key: 'sent', count: counts.sent, color: statusColor('sent') },
    // Darker than failed beside it: both did not arrive, for different reasons.
    { key: 'bounced', count: counts.bounced, color: statusColor('bounced', 700) },
    { key: 'complained', count: counts.complained, color: statusColor('complained') },
    { key: 'failed', count: counts.failed, color: statusColor('failed') },
    { key: 'skipped', count: counts.skipped, color: statusColor('skipped') },
  ] as const;
  const summary = t(
    'progress.summary',
    '{sent} sent{bounced, plural, =0 {} other {, # bounced}}{complained, plural, =0 {} other {, # reported as spam}}, {failed} failed, {skipped} skipped, {remaining} remaining of {total}',
    { ...counts, remaining }
  );

  return (
    <Flex direction="column" alignItems="stretch" gap={1} minWidth="16rem">
      <Flex role="img" aria-label={summary} height="0.8rem" hasRadius background="neutral200" overflow="hidden">
        {counts.total > 0 &&
          segments.map(({ key, count, color }) => (
            <Box key={key} height="100%" background={color} style={{ width: `${(100 * count) / counts.total}%` }} />
          ))}
      </Flex>
      {showLegend && (
        <Typography variant="pi" textColor="neutral600" aria-hidden>
          {summary}
        </Typography>
      )}
    </Flex>
  );
};
