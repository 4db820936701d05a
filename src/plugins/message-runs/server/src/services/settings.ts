import type { Core } from '@strapi/strapi';
import type { MailSettings, SendTestEmail } from '../../../shared/contracts/settings';
import type { MessageRunsConfig } from '../config';
import { createRepositories } from '../data/repositories';
import { getService } from '../utils';

const SENDER_UID = 'api::message-sender.message-sender';

/** The mail settings page: the transport in use, the limits and each instance's pace, and a test email. */
export default ({ strapi }: { strapi: Core.Strapi }) => {
  const repositories = createRepositories(strapi);
  return {
  async get(): Promise<MailSettings> {
    const { rateLimitPerMinute, rateLimitPerSecond, domainRateLimits, pauseAfterFailures } = strapi.config.get(
      'plugin::message-runs'
    ) as MessageRunsConfig;
    const instances = await repositories.queue.recentPaces(new Date());
    const throttledAt = instances.map((pace) => pace.lastThrottledAt).filter((at): at is string => Boolean(at));
    return {
      ...getService(strapi, 'mailer').describe(),
      rateLimitPerMinute,
      rateLimitPerSecond,
      domainRateLimits: Object.entries(domainRateLimits).map(([domain, perMinute]) => ({ domain, perMinute })),
      pauseAfterFailures,
      pace: { lastThrottledAt: throttledAt.sort().at(-1) ?? null, instances },
    };
  },

  /**
   * Sends a short message to `to` the way runs send theirs, from the first message sender (by key) so
   * that a server checking senders sees a real one; with no sender, from the recipient itself.
   */
  async sendTestEmail(to: string): Promise<SendTestEmail.Response['data']> {
    const sender = await strapi.db
      .query(SENDER_UID)
      .findOne({ select: ['email', 'displayName'], orderBy: { key: 'asc' } });
    const delivery = await getService(strapi, 'mailer').send({
      from: sender ? { name: sender.displayName ?? '', address: sender.email } : to,
      to,
      subject: 'Message Runs test email',
      text: `This test email was sent by the Message Runs plugin at ${new Date().toISOString()}.`,
    });
    return delivery.status === 'sent'
      ? { status: 'sent', messageId: delivery.messageId, response: delivery.response }
      : { status: 'failed', error: delivery.error };
  },
  };
};
