import fs from 'fs/promises';
import path from 'path';
import nodemailer, { type Transporter } from 'nodemailer';
import type Mail from 'nodemailer/lib/mailer';
import type { Core } from '@strapi/strapi';
import type { MessageRunsConfig } from '../config';
import type { MailSettings } from '../../../shared/contracts/settings';

/** What became of one message: accepted, worth retrying, or refused for good. */
export type Delivery =
  | { status: 'sent'; messageId: string; response: string }
  | { status: 'transient'; error: string }
  | { status: 'rejected'; reason: 'smtp-rejected' | 'recipient-rejected'; error: string };

const TRANSIENT_CODES = new Set(['ECONNECTION', 'ETIMEDOUT', 'ESOCKET', 'ECONNREFUSED', 'ECONNRESET', 'EDNS', 'ETLS', 'EPROTOCOL']);

/** Sorts a nodemailer error: 4xx and connection trouble are transient; 5xx are final. */
export function classifySendError(error: any): Delivery {
  const line = error.response || error.message || String(error);
  const code = Number(error.responseCode);
  if (code >= 500) {
    const reason = error.code === 'EENVELOPE' || error.command === 'RCPT TO' ? 'recipient-rejected' : 'smtp-rejected';
    return { status: 'rejected', reason, error: line };
  }
  if ((code >= 400 && code < 500) || TRANSIENT_CODES.has(error.code)) {
    return { status: 'transient', error: line };
  }
  return { status: 'rejected', reason: 'smtp-rejected', error: line };
}

/**
 * Sends messages with nodemailer: a pooled SMTP transport when an SMTP host is configured, otherwise
 * each message is written as an .eml file to the outbox folder (the embedded default).
 */
export default ({ strapi }: { strapi: Core.Strapi }) => {
  let transporter: Transporter | undefined;
  const config = () => strapi.config.get('plugin::message-runs') as MessageRunsConfig;
  const outboxDir = () => path.resolve(strapi.dirs.app.root, config().outboxDir);

  function getTransporter() {
    if (!transporter) {
      const { smtp, maxConnections } = config();
      transporter = smtp.host
        ? nodemailer.createTransport({
            pool: true,
            maxConnections,
            host: smtp.host,
            port: smtp.port,
            secure: smtp.secure,
            auth: smtp.user ? { user: smtp.user, pass: smtp.pass } : undefined,
            connectionTimeout: 30_000,
            greetingTimeout: 30_000,
            socketTimeout: 60_000,
          })
        : nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'windows' });
    }
    return transporter;
  }

  async function writeToOutbox(info: { messageId: string; message: Buffer }) {
    await fs.mkdir(outboxDir(), { recursive: true });
    const file = path.join(outboxDir(), `${Date.now()}-${info.messageId.replace(/[^a-zA-Z0-9@._-]/g, '')}.eml`);
    await fs.writeFile(file, info.message);
    return `250 written to ${path.relative(strapi.dirs.app.root, file)}`;
  }

  return {
    /** The transport in use and its limits, for the settings page (never the password). */
    describe(): MailSettings {
      const { smtp, rateLimitPerMinute, maxConnections, outboxDir: folder } = config();
      const transport: MailSettings['transport'] = smtp.host
        ? { kind: 'smtp', host: smtp.host, port: smtp.port, secure: smtp.secure, user: smtp.user ?? null }
        : { kind: 'outbox', outboxDir: folder };
      return { transport, maxConnections, rateLimitPerMinute };
    },

    async send(message: Mail.Options): Promise<Delivery> {
      try {
        const info = await getTransporter().sendMail(message);
        const response = config().smtp.host ? String(info.response) : await writeToOutbox(info as any);
        const recipients = [message.to].flat().map((to: any) => (typeof to === 'string' ? to : to?.address));
        const rejected = (info.rejected ?? []).map((address: any) => (typeof address === 'string' ? address : address.address));
        const refusedRecipient = recipients.find((to) => to && rejected.includes(to));
        if (refusedRecipient) {
          // Accepted for a Bcc only: the customer did not get it.
          const detail = (info.rejectedErrors ?? []).find((error: any) => error.recipient === refusedRecipient);
          return { status: 'rejected', reason: 'recipient-rejected', error: detail?.response ?? `${refusedRecipient} was refused` };
        }
        return { status: 'sent', messageId: info.messageId, response };
      } catch (error) {
        return classifySendError(error);
      }
    },

    close() {
      transporter?.close();
      transporter = undefined;
    },
  };
};
