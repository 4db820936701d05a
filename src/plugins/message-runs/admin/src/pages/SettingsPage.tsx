import * as React from 'react';
import { Box, Button, Flex, Grid, Table, Tbody, Td, TextInput, Th, Thead, Tr, Typography } from '@strapi/design-system';
import { Mail } from '@strapi/icons';
import { Page } from '@strapi/strapi/admin';
import { PERMISSIONS } from '../../../shared/constants';
import type { MailSettings, SendTestEmail } from '../../../shared/contracts/settings';
import { FormField } from '../components/FormField';
import { Loaded, PluginPage } from '../components/PageParts';
import { useGetMailSettingsQuery, useSendTestEmailMutation } from '../services/api';
import { errorMessage, fieldErrors } from '../utils/errors';
import { useDateFormats } from '../utils/format';
import { useT } from '../utils/translations';

const Setting = ({ id, label, children }: { id: string; label: string; children: React.ReactNode }) => (
  <Grid.Item col={4} s={12} direction="column" alignItems="start" gap={1}>
    <Typography variant="sigma" textColor="neutral600">
      {label}
    </Typography>
    <Typography textColor="neutral800" data-testid={`setting-${id}`}>
      {children}
    </Typography>
  </Grid.Item>
);

/** A read-only table of a few rows under its label, or `empty` in its place. */
const SmallTable = ({
  id,
  label,
  headers,
  rows,
  empty,
}: {
  id: string;
  label: string;
  headers: string[];
  rows: { key: string; cells: React.ReactNode[] }[];
  empty: string;
}) => (
  <Flex direction="column" alignItems="stretch" gap={2}>
    <Typography variant="sigma" textColor="neutral600" id={`${id}-label`}>
      {label}
    </Typography>
    {rows.length ? (
      <Table colCount={headers.length} rowCount={rows.length + 1} aria-labelledby={`${id}-label`}>
        <Thead>
          <Tr>
            {headers.map((header) => (
              <Th key={header}>
                <Typography variant="sigma">{header}</Typography>
              </Th>
            ))}
          </Tr>
        </Thead>
        <Tbody>
          {rows.map((row) => (
            <Tr key={row.key}>
              {row.cells.map((cell, index) => (
                <Td key={headers[index]}>
                  <Typography textColor="neutral800">{cell}</Typography>
                </Td>
              ))}
            </Tr>
          ))}
        </Tbody>
      </Table>
    ) : (
      <Typography textColor="neutral800">{empty}</Typography>
    )}
  </Flex>
);

const Transport = ({ settings }: { settings: MailSettings }) => {
  const t = useT();
  const { transport } = settings;
  return (
    <Grid.Root gap={5}>
      <Setting id="transport" label={t('settings.transport', 'Transport')}>
        {transport.kind === 'smtp'
          ? t('settings.smtp', 'SMTP {host}:{port}{secure, select, true { (TLS)} other {}}', {
              host: transport.host,
              port: transport.port,
              secure: transport.secure,
            })
          : t('settings.outbox', 'Outbox folder {folder} (no SMTP host configured)', { folder: transport.outboxDir })}
      </Setting>
      <Setting id="maxConnections" label={t('settings.maxConnections', 'Max connections')}>
        {settings.maxConnections}
      </Setting>
      <Grid.Item col={12} s={12}>
        <Typography textColor="neutral600" data-testid="transport-not-email-plugin">
          {t(
            'settings.notEmailPlugin',
            'Message runs use this transport (SMTP_HOST and the other SMTP_* variables), not the provider of Settings → Email, which Strapi uses for its own mail such as password resets.'
          )}
        </Typography>
      </Grid.Item>
    </Grid.Root>
  );
};

/** The limits as the limiter applies them: every instance together, in any sliding window. */
const Limits = ({ settings }: { settings: MailSettings }) => {
  const t = useT();
  const noLimit = t('settings.noLimit', 'No limit');
  return (
    <Flex direction="column" alignItems="stretch" gap={5}>
      <Grid.Root gap={5}>
        <Setting id="perMinute" label={t('settings.rateLimit', 'Per minute (all instances, any 60 s window)')}>
          {settings.rateLimitPerMinute
            ? t('settings.perMinute', '{count} messages per minute', { count: settings.rateLimitPerMinute })
            : noLimit}
        </Setting>
        <Setting id="perSecond" label={t('settings.rateLimitPerSecond', 'Per second (all instances, any 1 s window)')}>
          {settings.rateLimitPerSecond
            ? t('settings.perSecond', '{count} messages per second', { count: settings.rateLimitPerSecond })
            : noLimit}
        </Setting>
        <Setting id="pauseAfterFailures" label={t('settings.pauseAfterFailures', 'Pause a run')}>
          {settings.pauseAfterFailures
            ? t(
                'settings.pauseAfter',
                'After {count, plural, one {# failure} other {# failures}} in a row caused by the mail server, not the recipients',
                { count: settings.pauseAfterFailures }
              )
            : t('settings.neverPause', 'Never')}
        </Setting>
      </Grid.Root>
      <SmallTable
        id="domain-limits"
        label={t('settings.domainLimits', 'Per recipient domain (all instances, any 60 s window)')}
        headers={[t('settings.domain', 'Recipient domain'), t('settings.domainPerMinute', 'Messages per minute')]}
        rows={settings.domainRateLimits.map(({ domain, perMinute }) => ({ key: domain, cells: [domain, perMinute] }))}
        empty={t('settings.noDomainLimits', 'No limits per recipient domain')}
      />
    </Flex>
  );
};

/** When the server last throttled, and the pace each instance allows itself since. */
const Pace = ({ pace }: { pace: MailSettings['pace'] }) => {
  const t = useT();
  const { moment: time } = useDateFormats();
  return (
    <Flex direction="column" alignItems="stretch" gap={5}>
      <Typography textColor="neutral600">
        {t(
          'settings.paceHint',
          'An instance the mail server throttles slows itself down, then speeds up step by step while the server accepts its messages.'
        )}
      </Typography>
      <Grid.Root gap={5}>
        <Setting id="lastThrottledAt" label={t('settings.lastThrottledAt', 'Last throttled by the mail server')}>
          {pace.lastThrottledAt ? time(pace.lastThrottledAt) : t('settings.neverThrottled', 'Never')}
        </Setting>
      </Grid.Root>
      <SmallTable
        id="instance-paces"
        label={t('settings.instances', 'Pace of each instance')}
        headers={[
          t('settings.instance', 'Instance'),
          t('settings.pace', 'Pace'),
          t('settings.lastThrottle', 'Last throttle'),
          t('settings.updatedAt', 'Updated'),
        ]}
        rows={pace.instances.map((instance) => ({
          key: instance.instance,
          cells: [
            instance.instance,
            instance.perSecond === null
              ? t('settings.fullSpeed', 'Full speed')
              : t('settings.perSecond', '{count} messages per second', { count: instance.perSecond }),
            instance.lastThrottledAt
              ? t('settings.throttle', '{answer} ({time})', {
                  answer: instance.lastThrottle ?? '—',
                  time: time(instance.lastThrottledAt),
                })
              : t('settings.neverThrottled', 'Never'),
            time(instance.updatedAt),
          ],
        }))}
        empty={t('settings.noInstances', 'No instance delivered or was throttled in the last hour')}
      />
    </Flex>
  );
};

const TestEmailForm = () => {
  const t = useT();
  const [sendTestEmail, { isLoading: sending }] = useSendTestEmailMutation();
  const [to, setTo] = React.useState('');
  const [fieldError, setFieldError] = React.useState<string>();
  const [outcome, setOutcome] = React.useState<SendTestEmail.Response['data'] | { status: 'error'; error: string }>();

  const send = async () => {
    setFieldError(undefined);
    setOutcome(undefined);
    try {
      setOutcome((await sendTestEmail({ to }).unwrap()).data);
    } catch (error) {
      const problem = fieldErrors(error).to;
      if (problem) setFieldError(problem);
      else setOutcome({ status: 'error', error: errorMessage(error) });
    }
  };

  return (
    <form
      onSubmit={(event) => {
        event.preventDefault();
        send();
      }}
    >
      <Flex direction="column" alignItems="stretch" gap={4}>
        <Flex gap={4} alignItems="flex-end">
          <Box flex="1">
            <FormField name="to" label={t('settings.testTo', 'Recipient')} error={fieldError} required>
              <TextInput
                type="email"
                value={to}
                placeholder="you@example.com"
                onChange={(event: React.ChangeEvent<HTMLInputElement>) => setTo(event.target.value)}
              />
            </FormField>
          </Box>
          <Button type="submit" size="L" startIcon={<Mail />} loading={sending} disabled={!to.trim()}>
            {t('settings.sendTest', 'Send test email')}
          </Button>
        </Flex>
        {outcome && (
          <Box
            role="status"
            data-testid="test-email-outcome"
            padding={4}
            hasRadius
            background={outcome.status === 'sent' ? 'success100' : 'danger100'}
            borderColor={outcome.status === 'sent' ? 'success200' : 'danger200'}
          >
            <Typography fontWeight="bold" textColor={outcome.status === 'sent' ? 'success700' : 'danger700'}>
              {outcome.status === 'sent'
                ? t('settings.sent', 'Sent. The server answered:')
                : t('settings.failed', 'Not sent:')}
            </Typography>{' '}
            <Typography tag="code">{outcome.status === 'sent' ? outcome.response : outcome.error}</Typography>
          </Box>
        )}
      </Flex>
    </form>
  );
};

const Section = ({ title, children }: { title: string; children: React.ReactNode }) => (
  <Box background="neutral0" hasRadius shadow="tableShadow" padding={6}>
    <Flex direction="column" alignItems="stretch" gap={4}>
      <Typography variant="delta" tag="h2">
        {title}
      </Typography>
      {children}
    </Flex>
  </Box>
);

const Settings = () => {
  const t = useT();
  const settings = useGetMailSettingsQuery();
  return (
    <PluginPage
      title={t('settings.title', 'Mail delivery')}
      subtitle={t('settings.subtitle', 'How message runs send their email (set in the server configuration)')}
    >
      <Loaded query={settings}>
        {({ data }) => (
          <Flex direction="column" alignItems="stretch" gap={6}>
            <Section title={t('settings.transportTitle', 'Transport in use')}>
              <Transport settings={data} />
            </Section>
            <Section title={t('settings.limitsTitle', 'Limits')}>
              <Limits settings={data} />
            </Section>
            <Section title={t('settings.paceTitle', 'Pace')}>
              <Pace pace={data.pace} />
            </Section>
            <Section title={t('settings.testTitle', 'Send a test email')}>
              <TestEmailForm />
            </Section>
          </Flex>
        )}
      </Loaded>
    </PluginPage>
  );
};

export const SettingsPage = () => (
  <Page.Protect permissions={PERMISSIONS.settings}>
    <Settings />
  </Page.Protect>
);
