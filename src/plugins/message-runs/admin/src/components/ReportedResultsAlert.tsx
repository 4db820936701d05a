import * as React from 'react';
import { Alert, Button, Link, Typography } from '@strapi/design-system';
import { Filter } from '@strapi/icons';
import { NavLink } from 'react-router-dom';
import { SUPPRESSION_UID } from '../../../shared/constants';
import type { Run } from '../../../shared/contracts/runs';
import { useT } from '../utils/translations';

/** The results list's filter for the results this alert is about (GET /runs/:id/results takes several). */
export const REPORTED_STATUSES = 'bounced,complained';

/**
 * Results of the run that bounced or were reported as spam after they were sent (DESIGN.md §3,
 * delivery reports): how many, that their addresses are now suppressed, and a button that lists them.
 * Hidden with its close button until the page is left, or until more such reports arrive.
 */
export const ReportedResultsAlert = ({ run, onShow }: { run: Run; onShow: () => void }) => {
  const t = useT();
  const { bounced, complained } = run.counts;
  const [closedAt, setClosedAt] = React.useState<number>();
  if (bounced + complained === 0 || closedAt === bounced + complained) return null;
  return (
    <Alert
      variant="warning"
      data-testid="reported-results-alert"
      closeLabel={t('run.reported.close', 'Hide this message')}
      onClose={() => setClosedAt(bounced + complained)}
      title={t(
        'run.reported.title',
        'Delivery reports after sending: {bounced} bounced, {complained} reported as spam',
        { bounced, complained }
      )}
      action={
        <Button variant="tertiary" size="S" startIcon={<Filter />} onClick={onShow}>
          {t('run.reported.show', 'Show these results')}
        </Button>
      }
    >
      <Typography tag="span" display="block">
        {t(
          'run.reported.suppressed',
          'Their recipients’ mail servers refused these messages for good after accepting them, or the recipients marked them as spam. The addresses are now on the suppression list: no run sends to them until an admin removes them from it.'
        )}
      </Typography>
      <Link tag={NavLink} to={`/content-manager/collection-types/${SUPPRESSION_UID}`}>
        {t('run.reported.suppressionList', 'Open the suppression list')}
      </Link>
    </Alert>
  );
};
