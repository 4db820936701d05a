import type { Core } from '@strapi/strapi';
import { errors } from '@strapi/utils';
import type { ReceiveProviderEvents } from '../../../shared/contracts/provider-events';
import type { MessageRunsConfig } from '../config';
import { fieldError } from '../errors';
import { getService } from '../utils';
import type { DeliveryReport } from './delivery-reports';
import { createWebhookProviders, isWebhookProvider, MalformedPayload, type WebhookRequest } from './webhook-providers';

/** The most events one request may carry (a SendGrid batch holds far fewer within the 1 MB body limit). */
export const MAX_EVENTS_PER_REQUEST = 5000;
/** Reports applied per transaction: each writes a history row per result, within SQLite's bound on a statement's values. */
const REPORTS_PER_TRANSACTION = 100;

/** A 401 that says what was wrong and, for basic auth, asks for credentials. */
export class WebhookUnauthorized extends errors.UnauthorizedError {
  constructor(
    message: string,
    public challenge?: string
  ) {
    super(message);
  }
}

/**
 * Mail providers' webhook calls (DESIGN.md §4, "Provider webhooks"): the provider's own check
 * authenticates the request (there is no Strapi token), then its events become delivery reports,
 * applied each exactly once however often they arrive.
 */
export default ({ strapi }: { strapi: Core.Strapi }) => {
  const providers = createWebhookProviders();
  const config = () => strapi.config.get('plugin::message-runs') as MessageRunsConfig;

  return {
    async receive(name: string, request: WebhookRequest): Promise<ReceiveProviderEvents.Response['data']> {
      if (!isWebhookProvider(name))
        throw new errors.NotFoundError(
          `No mail provider is called "${name}"; the webhooks are mailgun, sendgrid and postmark`
        );
      const provider = providers[name];
      const secrets = provider.secretsOf(config().webhooks);
      if (!secrets) {
        strapi.log.warn(
          `message-runs: a ${name} webhook call was refused: that provider's webhook secret is not configured`
        );
        throw new WebhookUnauthorized(`The ${name} webhook is not configured on this server`, provider.challenge);
      }
      const refusal = provider.verify(request, secrets, new Date());
      if (refusal) throw new WebhookUnauthorized(`Not a ${name} webhook call: ${refusal}`, provider.challenge);

      const events = provider.eventCount(request.body);
      if (events > MAX_EVENTS_PER_REQUEST) {
        throw new errors.PayloadTooLargeError(
          `A webhook call may carry at most ${MAX_EVENTS_PER_REQUEST} events; this one has ${events}`
        );
      }
      let reports: DeliveryReport[];
      try {
        reports = provider.reportsOf(request.body);
      } catch (error) {
        if (error instanceof MalformedPayload) throw fieldError(error.path, error.problem);
        throw error;
      }

      // The same event twice in one body counts once (the dedupe key would write it once anyway).
      const seen = new Set<string>();
      const unique = reports.filter((report) => !seen.has(report.key) && seen.add(report.key));
      const outcomes: string[] = [];
      for (let i = 0; i < unique.length; i += REPORTS_PER_TRANSACTION) {
        outcomes.push(
          ...(await getService(strapi, 'deliveryReports').apply(unique.slice(i, i + REPORTS_PER_TRANSACTION)))
        );
      }
      provider.accepted?.(request);
      const count = (outcome: string) => outcomes.filter((o) => o === outcome).length;
      return {
        applied: count('applied'),
        duplicates: count('duplicate') + reports.length - unique.length,
        ignored: count('unmatched') + events - reports.length,
      };
    },
  };
};
