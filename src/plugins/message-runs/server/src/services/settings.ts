import type { Core } from '@strapi/strapi';
import type { SendTestEmail } from '../../../shared/contracts/settings';
import { getService } from '../utils';

const SENDER_UID = 'api::message-sender.message-sender';

/** The mail settings page: the transport in use, and a test email sent through it. */
export default ({ strapi }: { strapi: Core.Strapi }) => ({
  get: () => getService(strapi, 'mailer').describe(),

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
});
