import * as React from 'react';
import { Box, Button, Flex, Grid, TextInput, Typography } from '@strapi/design-system';
import { Mail } from '@strapi/icons';
import { Page, useFetchClient } from '@strapi/strapi/admin';
import { PERMISSIONS, PLUGIN_ID } from '../../../shared/constants';
import type { GetSettings, MailSettings, SendTestEmail } from '../../../shared/contracts/settings';
import { FormField } from '../components/FormField';
import { Loaded, PluginPage } from '../components/PageParts';
import { errorMessage, fieldErrors, useApi } from '../hooks/useApi';
import { useT } from '../utils/translations';

const Setting = ({ label, children }: { label: string; children: React.ReactNode }) => (
  <Grid.Item col={4} s={12} direction="column" alignItems="start" gap={1}>
    <Typography variant="sigma" textColor="neutral600">
      {label}
    </Typography>
    <Typography textColor="neutral800" data-testid={`setting-${label}`}>
      {children}
    </Typography>
  </Grid.Item>
);

const Transport = ({ settings }: { settings: MailSettings }) => {
  const t = useT();
  const { transport } = settings;
  return (
    <Grid.Root gap={5}>
      <Setting label={t('settings.transport', 'Transport')}>
        {transport.kind === 'smtp'
          ? t('settings.smtp', 'SMTP {host}:{port}{secure, select, true { (TLS)} other {}}', {
              host: transport.host,
              port: transport.port,
              secure: transport.secure,
            })
          : t('settings.outbox', 'Outbox folder {folder} (no SMTP host configured)', { folder: transport.outboxDir })}
      </Setting>
      <Setting label={t('settings.maxConnections', 'Max connections')}>{settings.maxConnections}</Setting>
      <Setting label={t('settings.rateLimit', 'Rate limit')}>
        {settings.rateLimitPerMinute
          ? t('settings.perMinute', '{count} messages per minute', { count: settings.rateLimitPerMinute })
          : t('settings.noLimit', 'No limit')}
      </Setting>
    </Grid.Root>
  );
};

const TestEmailForm = () => {
  const t = useT();
  const { post } = useFetchClient();
  const [to, setTo] = React.useState('');
  const [sending, setSending] = React.useState(false);
  const [fieldError, setFieldError] = React.useState<string>();
  const [outcome, setOutcome] = React.useState<SendTestEmail.Response['data'] | { status: 'error'; error: string }>();

  const send = async () => {
    setSending(true);
    setFieldError(undefined);
    setOutcome(undefined);
    try {
      const { data } = await post<SendTestEmail.Response>(`/${PLUGIN_ID}/settings/test-email`, { to });
      setOutcome(data.data);
    } catch (error) {
      const problem = fieldErrors(error).to;
      if (problem) setFieldError(problem);
      else setOutcome({ status: 'error', error: errorMessage(error) });
    } finally {
      setSending(false);
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
  const settings = useApi<GetSettings.Response>(`/${PLUGIN_ID}/settings`);
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
