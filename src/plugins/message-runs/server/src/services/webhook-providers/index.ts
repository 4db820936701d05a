import { WEBHOOK_PROVIDERS, type WebhookProvider as ProviderName } from '../../../../shared/constants';
import type { WebhooksConfig, WebhookProvider } from './common';
import * as mailgun from './mailgun';
import * as postmark from './postmark';
import * as sendgrid from './sendgrid';

export { MalformedPayload, type WebhookRequest, type WebhooksConfig } from './common';
export { parsePublicKey } from './sendgrid';

/**
 * Each provider's check and reading of its webhook, with their own state (Mailgun's used tokens).
 * `any`: each provider has its own secrets' type, which only its own `secretsOf` and `verify` pass
 * between them; TypeScript has no "some type" to say so.
 */
export const createWebhookProviders = (): Record<ProviderName, WebhookProvider<any>> => ({
  mailgun: mailgun.mailgun(),
  sendgrid: sendgrid.sendgrid(),
  postmark: postmark.postmark(),
});

export const isWebhookProvider = (name: string): name is ProviderName =>
  (WEBHOOK_PROVIDERS as readonly string[]).includes(name);

/**
 * The headers that make each provider whose webhook is configured echo `token` in its events (a
 * provider's own message ids are not the Message-ID); undefined when none is configured. They go out
 * as written (`prepared`): nodemailer would MIME-encode a value with quotes, and a provider reads the
 * JSON of X-Mailgun-Variables and X-SMTPAPI as it is. The values are JSON of a token ([0-9a-z-]).
 */
export function tokenHeaders(
  config: WebhooksConfig,
  token: string
): Record<string, { prepared: true; value: string }> | undefined {
  const headers: Record<string, string> = {
    ...(config.mailgun.signingKey && mailgun.tokenHeaders(token)),
    ...(config.sendgrid.publicKey && sendgrid.tokenHeaders(token)),
    ...(config.postmark.user && config.postmark.password && postmark.tokenHeaders(token)),
  };
  const entries = Object.entries(headers);
  return entries.length
    ? Object.fromEntries(entries.map(([name, value]) => [name, { prepared: true, value }]))
    : undefined;
}
