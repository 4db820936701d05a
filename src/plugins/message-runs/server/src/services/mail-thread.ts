/**
 * The mail thread: nodemailer runs here, in a worker thread of the Strapi process, so that building
 * messages and base64-encoding their attachments (about a millisecond of CPU per message with a
 * 30 KB PDF) does not take turns with Strapi's HTTP requests and the queue's database work on the
 * main event loop. The mailer service (mailer.ts) starts it and talks to it with `MailRequest` and
 * `MailReply` messages.
 */
import fs from 'fs/promises';
import path from 'path';
import { parentPort, workerData } from 'worker_threads';
import nodemailer from 'nodemailer';
import type Mail from 'nodemailer/lib/mailer';
import type { MessageRunsConfig } from '../config';

/** What became of one message: accepted, worth retrying, or refused for good. */
export type Delivery =
  | { status: 'sent'; messageId: string; response: string }
  | { status: 'transient'; error: string }
  | { status: 'rejected'; reason: 'smtp-rejected' | 'recipient-rejected'; error: string };

/** How the thread sends: the plugin's SMTP settings, or the outbox folder (an absolute path) without them. */
export interface MailThreadOptions {
  smtp: MessageRunsConfig['smtp'];
  maxConnections: number;
  outboxDir: string;
  appRoot: string;
}

export type MailRequest = { id: number; mail: Mail.Options } | { close: true };
export interface MailReply {
  id: number;
  delivery: Delivery;
}

const TRANSIENT_CODES = new Set(['ECONNECTION', 'ETIMEDOUT', 'ESOCKET', 'ECONNREFUSED', 'ECONNRESET', 'EDNS', 'ETLS', 'EPROTOCOL']);

/** Sorts a nodemailer error: 4xx and connection trouble are transient; 5xx are final. */
function classifySendError(error: any): Delivery {
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

/** Where the messages go: a pooled SMTP transport, or each message as an .eml file in the outbox folder. */
function createMailSender({ smtp, maxConnections, outboxDir, appRoot }: MailThreadOptions) {
  const transporter = smtp.host
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

  async function writeToOutbox(info: { messageId: string; message: Buffer }) {
    await fs.mkdir(outboxDir, { recursive: true });
    const file = path.join(outboxDir, `${Date.now()}-${info.messageId.replace(/[^a-zA-Z0-9@._-]/g, '')}.eml`);
    await fs.writeFile(file, info.message);
    return `250 written to ${path.relative(appRoot, file)}`;
  }

  let closed = false;
  return {
    async send(mail: Mail.Options): Promise<Delivery> {
      try {
        const info = await transporter.sendMail(mail);
        const response = smtp.host ? String(info.response) : await writeToOutbox(info as any);
        const recipients = [mail.to].flat().map((to: any) => (typeof to === 'string' ? to : to?.address));
        const rejected = (info.rejected ?? []).map((address: any) => (typeof address === 'string' ? address : address.address));
        const refusedRecipient = recipients.find((to) => to && rejected.includes(to));
        if (refusedRecipient) {
          // Accepted for a Bcc only: the customer did not get it.
          const detail = (info.rejectedErrors ?? []).find((error: any) => error.recipient === refusedRecipient);
          return { status: 'rejected', reason: 'recipient-rejected', error: detail?.response ?? `${refusedRecipient} was refused` };
        }
        return { status: 'sent', messageId: info.messageId, response };
      } catch (error) {
        // A closing pool fails the messages it had not started: they were never tried, so they are retried.
        if (closed) return { status: 'transient', error: `not sent, the mail pool was closing: ${(error as Error).message}` };
        return classifySendError(error);
      }
    },
    /** Connections in the middle of a message finish it; the messages still queued fail as transient. */
    close() {
      closed = true;
      transporter.close();
    },
    isClosed: () => closed,
  };
}

/** A posted Buffer arrives as a plain Uint8Array; nodemailer takes attachment content as a Buffer. */
function asBuffers(mail: Mail.Options): Mail.Options {
  const attachments = mail.attachments?.map((attachment) => {
    const content = attachment.content as unknown;
    return content instanceof Uint8Array && !Buffer.isBuffer(content)
      ? { ...attachment, content: Buffer.from(content.buffer, content.byteOffset, content.byteLength) }
      : attachment;
  });
  return { ...mail, attachments };
}

if (parentPort && workerData?.mailThread) {
  const port = parentPort;
  const sender = createMailSender(workerData.mailThread as MailThreadOptions);
  let sending = 0;
  // The thread ends once its port is closed: after `close`, when the last message is answered.
  const closeWhenIdle = () => sender.isClosed() && sending === 0 && port.close();
  port.on('message', async (request: MailRequest) => {
    if ('close' in request) {
      sender.close();
      closeWhenIdle();
      return;
    }
    sending++;
    const delivery = await sender.send(asBuffers(request.mail));
    sending--;
    port.postMessage({ id: request.id, delivery } satisfies MailReply);
    closeWhenIdle();
  });
}
