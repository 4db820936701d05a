import * as React from 'react';
import { Alert, Link, Typography } from '@strapi/design-system';
import { useRBAC } from '@strapi/strapi/admin';
import { NavLink } from 'react-router-dom';
import { PERMISSIONS, PLUGIN_ID } from '../../../shared/constants';
import type { Run } from '../../../shared/contracts/runs';
import { useGetMailSettingsQuery } from '../services/api';
import { useT } from '../utils/translations';

/**
 * Why a run that paused itself stands still (DESIGN.md §3: `paused-after-failures`), the server's last
 * answer, and how to go on. The number of failures comes from the settings when the admin may read them.
 * Hidden with its close button until the page is left (RunPage mounts it anew for each stop).
 */
export const PausedRunAlert = ({ run }: { run: Run }) => {
  const t = useT();
  const [closed, setClosed] = React.useState(false);
  const paused = run.status === 'stopped' && run.stopReason === 'paused-after-failures';
  const { allowedActions } = useRBAC(PERMISSIONS.settings);
  const settings = useGetMailSettingsQuery(undefined, { skip: !(paused && allowedActions.canSettings) });
  // Until the settings answer, rather than "several" turning into a number.
  if (!paused || closed || settings.isLoading) return null;

  // 0 ("several"): the settings are not the admin's to read, or say "never pause" since the run paused.
  const failures = settings.data?.data.pauseAfterFailures ?? 0;
  return (
    <Alert
      variant="danger"
      data-testid="paused-run-alert"
      closeLabel={t('run.paused.close', 'Hide this message')}
      onClose={() => setClosed(true)}
      title={t(
        'run.paused.title',
        'Delivery paused itself: {count, plural, =0 {several attempts} one {# attempt} other {# attempts}} in a row failed because of the mail server, not the recipients',
        { count: failures }
      )}
      action={
        <Link tag={NavLink} to={`/settings/${PLUGIN_ID}`}>
          {t('run.paused.settings', 'Open the mail delivery settings')}
        </Link>
      }
    >
      {run.lastError && (
        <Typography tag="span" display="block">
          {t('run.paused.lastError', 'The server’s last answer:')}{' '}
          <Typography tag="code" data-testid="paused-run-last-error">
            {run.lastError}
          </Typography>
        </Typography>
      )}
      <Typography tag="span" display="block">
        {t(
          'run.paused.howToResume',
          'Fix the mail server or its settings (see Settings → Mail delivery), then press Resume sending: every unsent message is queued and nothing is sent twice.'
        )}
      </Typography>
    </Alert>
  );
};
