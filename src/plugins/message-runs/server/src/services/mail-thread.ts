/**
 * The mail thread: nodemailer runs here, in a worker thread of the Strapi process, so that building
 * messages and base64-encoding their attachments (about a millisecond of CPU per message with a
 * 30 KB PDF) does not take turns with Strapi's HTTP requests and the queue's database work on the
 * main event loop. The mailer service (mailer.ts) starts it and talks to it with `MailRequest` and
 * `MailReply` messages.
 */
import { createHash } from 'crypto';
import fs from 'fs/promises';
import path from 'path';
import { Transform, type TransformCallback } from 'stream';
import { parentPort, workerData } from 'worker_threads';
import nodemailer from 'nodemailer';
import MailComposer from 'nodemailer/lib/mail-composer';
import type Mail from 'nodemailer/lib/mailer';
import type SMTPTransport from 'nodemailer/lib/smtp-transport';
import type { MessageRunsConfig } from '../config';
import { closeArchiveFolder, writeToArchiveFolder } from './archive-folder';
import type { Delivery, Kept } from '../domain/outcomes';
import { classifySendError } from '../domain/send-errors';

/**
 * How the thread sends: the plugin's SMTP settings, or the outbox folder (an absolute path) without them;
 * and how it keeps what it sent: in `archive.folder` (an absolute path), or posted back (`returnBytes`).
 */
export interface MailThreadOptions {
  smtp: MessageRunsConfig['smtp'];
  maxConnections: number;
  outboxDir: string;
  appRoot: string;
  archive: { folder?: string; returnBytes?: boolean };
}

/**
 * `notBefore`: the time (ms since the epoch) the rate limits gave the message; it is not started earlier.
 * `archiveAs`: the (first) result the message is sent for, which names its archived copy; without it
 * (the settings page's test email, a test-send) nothing is kept.
 * `label`: what the message is about (its invoices), in the name of its outbox file.
 */
export interface SendOptions {
  notBefore?: number;
  archiveAs?: number;
  label?: string;
}
export type MailRequest = ({ id: number; mail: Mail.Options } & SendOptions) | { close: true };
/** A message's outcome, or `ready` once the thread can send (its modules loaded). */
export type MailReply = { id: number; delivery: Delivery } | { ready: true };

/**
 * The message exactly as it goes over SMTP. nodemailer streams each message to its connection; a
 * 'stream' plugin (see createMailSender) puts this transform into that stream, so the bytes kept and
 * hashed are the very bytes sent, built once. (Building the message first and sending it as `raw` cost
 * a quarter of the throughput: nodemailer then streams the finished bytes through a second pipeline.)
 * The last newline is added as nodemailer's own last transform adds it.
 */
class SentBytes extends Transform {
  private readonly chunks: Buffer[] = [];
  private readonly hash = createHash('sha256');
  private lastByte = -1;

  _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback) {
    this.chunks.push(chunk);
    this.hash.update(chunk);
    if (chunk.length) this.lastByte = chunk[chunk.length - 1];
    done(null, chunk);
  }

  /** The bytes and their SHA-256, once the message has been streamed. */
  result() {
    if (this.lastByte !== 0x0a) {
      const ending = Buffer.from(this.lastByte === 0x0d ? '\n' : '\r\n');
      this.chunks.push(ending);
      this.hash.update(ending);
      this.lastByte = 0x0a;
    }
    return { bytes: Buffer.concat(this.chunks), sha256: this.hash.digest('hex') };
  }
}

/**
 * A message's copies of what was sent, one per time nodemailer streams it: its pool streams a message
 * again when the connection closed under it (it requeues it), and a Transform that has ended cannot
 * take a second stream ("write after end" failed that second try). `last` is the try that was sent.
 */
class SentCopies {
  last?: SentBytes;
  next() {
    this.last = new SentBytes();
    return this.last;
  }
}

/** Where a message's SentCopies travel with it through nodemailer, to the 'stream' plugin (nodemailer copies a message's string keys only). */
const SENT_COPIES = 'messageRunsSentCopies';

/**
 * SMTP's DATA carries CRLF line ends: nodemailer's data stream turns a bare LF or CR into CRLF on the
 * wire, so the text parts get them here, and the bytes kept are the bytes the server receives.
 */
const withCrlf = <T>(text: T) => (typeof text === 'string' ? text.replace(/\r\n|\r|\n/g, '\r\n') : text);

/** The message without an SMTP server (the outbox): built once by MailComposer, CRLF line ends. */
async function buildMessage(mail: Mail.Options) {
  const node = new MailComposer({ ...mail, newline: '\r\n' }).compile();
  const bytes = await node.build();
  return { bytes, envelope: node.getEnvelope(), messageId: node.messageId() };
}

/** Where the messages go: a pooled SMTP transport, or each message as an .eml file in the outbox folder. */
function createMailSender({ smtp, maxConnections, outboxDir, appRoot, archive }: MailThreadOptions) {
  const transporter = smtp.host
    ? nodemailer.createTransport({
        pool: true,
        maxConnections,
        host: smtp.host,
        port: smtp.port,
        secure: smtp.secure,
        auth: smtp.user ? { user: smtp.user, pass: smtp.pass } : undefined,
        // A connection is kept for as many messages as the server takes (nodemailer's default closes it
        // after 100): a new one's greeting delays its message, which then reaches the server late.
        maxMessages: Infinity,
        connectionTimeout: 30_000,
        greetingTimeout: 30_000,
        socketTimeout: 60_000,
      })
    : undefined;
  transporter?.use('stream', (sending, done) => {
    const copies = (sending.data as Record<string, SentCopies | undefined>)[SENT_COPIES];
    // A function: nodemailer calls it each time it streams the message, for a fresh copy.
    if (copies) sending.message.transform(() => copies.next());
    done();
  });

  /**
   * The file is named after a hash of the message id: the id ends with the sender's domain, which may
   * be longer than a file name may be. A failure names neither the folder nor the file (the server's
   * paths are not the admin's business) and is transient: a full disk or a missing right can be fixed.
   */
  async function writeToOutbox(messageId: string, message: Buffer, label = 'message'): Promise<Delivery | { status: 'written'; response: string }> {
    const readable = label.replace(/[^\w.-]+/g, '_').slice(0, 80);
    const name = `${Date.now()}-${readable}-${createHash('sha256').update(messageId).digest('hex').slice(0, 12)}.eml`;
    const file = path.join(outboxDir, name);
    try {
      await fs.mkdir(outboxDir, { recursive: true });
      await fs.writeFile(file, message);
    } catch (error) {
      return { status: 'transient', error: `the outbox folder did not take the message (${(error as NodeJS.ErrnoException).code ?? 'error'})` };
    }
    return { status: 'written', response: `250 written to ${path.relative(appRoot, file)}` };
  }

  /** Sorts the recipients the server refused while it accepted the message: the customer, or Bcc copies. */
  function checkRecipients(
    mail: Mail.Options,
    info: SMTPTransport.SentMessageInfo
  ): Delivery | { status: 'accepted'; response: string; refusedBcc?: string } {
    // A recipient as nodemailer gives it: a string, or `{ name, address }`.
    const addressOf = (recipient: unknown) => (typeof recipient === 'string' ? recipient : (recipient as Mail.Address | undefined)?.address);
    const answerFor = (address: string): string | undefined =>
      (info.rejectedErrors ?? []).find((error) => error.recipient === address)?.response;
    const to = [mail.to].flat().map(addressOf);
    const refused = (info.rejected ?? []).map(addressOf).filter((address): address is string => address !== undefined);
    const refusedRecipient = to.find((address) => address && refused.includes(address));
    if (refusedRecipient) {
      // Accepted for a Bcc only: the customer did not get it.
      return { status: 'rejected', reason: 'recipient-rejected', error: answerFor(refusedRecipient) ?? `${refusedRecipient} was refused` };
    }
    const accepted = { status: 'accepted' as const, response: String(info.response) };
    return refused.length
      ? { ...accepted, refusedBcc: `Bcc refused: ${refused.map((address) => `${address} (${answerFor(address) ?? 'refused'})`).join('; ')}` }
      : accepted;
  }

  /**
   * Keeps the bytes of a message the server took: appended to the archive folder here, off Strapi's
   * event loop, or handed back for the upload provider. A failed write does not undo the sending: the result says
   * sent, with its SHA-256 and no copy.
   */
  function keep(bytes: Buffer, sha256: string, archiveAs: number | undefined): Kept {
    if (archiveAs === undefined) return { sha256 };
    if (archive.returnBytes) return { sha256, bytes };
    if (!archive.folder) return { sha256 };
    try {
      return { sha256, archiveKey: writeToArchiveFolder(archive.folder, bytes, new Date()) };
    } catch (error) {
      return { sha256, archiveError: `the archive folder did not take it (${(error as NodeJS.ErrnoException).code ?? 'error'})` };
    }
  }

  let closed = false;
  return {
    async send(mail: Mail.Options, { archiveAs, label }: SendOptions = {}): Promise<Delivery> {
      let sent: { bytes: Buffer; sha256: string; messageId: string };
      let outcome;
      try {
        const message = { ...mail, text: withCrlf(mail.text), html: withCrlf(mail.html) };
        if (!transporter) {
          const built = await buildMessage(message);
          sent = { bytes: built.bytes, sha256: createHash('sha256').update(built.bytes).digest('hex'), messageId: built.messageId };
          outcome = await writeToOutbox(sent.messageId, sent.bytes, label);
        } else {
          const copies = new SentCopies();
          const info = await transporter.sendMail({ ...message, [SENT_COPIES]: copies } as Mail.Options);
          sent = { ...copies.last!.result(), messageId: info.messageId };
          outcome = checkRecipients(mail, info);
        }
      } catch (error) {
        // A closing pool fails the messages it had not started: they were never tried, so they are retried.
        if (closed) return { status: 'transient', error: `not sent, the mail pool was closing: ${(error as Error).message}` };
        return classifySendError(error);
      }
      if (outcome.status !== 'accepted' && outcome.status !== 'written') return outcome;
      const { status: _, ...answer } = outcome;
      return { status: 'sent', messageId: sent.messageId, ...answer, ...keep(sent.bytes, sent.sha256, archiveAs) };
    },
    /** Connections in the middle of a message finish it; the messages still queued fail as transient. */
    close() {
      closed = true;
      transporter?.close();
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

/**
 * When each message starts: not before the time the rate limits gave it, and, as messages come in that
 * order, never closer to the one before than the limits spaced them, even when this thread runs late
 * (a busy machine fires several timers at once): a late message delays the ones after it instead of
 * going out together with them. A message with no time goes at once.
 *
 * The thread's first timed message goes alone: the next waits for its answer. The pool opens a
 * connection for a message that finds none free, and the first connections' greeting took longer
 * (on a busy machine, up to 100 ms) than the limits' spacing: their messages reached the server
 * together with the ones sent on the connections that were open.
 */
function startScheduler() {
  let last = { notBefore: 0, startedAt: 0 };
  let queue = Promise.resolve();
  let firstAnswered: Promise<void> | undefined;
  return {
    /** Resolves when the message timed `notBefore` may start; `answered` resolves with its answer. */
    next(notBefore: number, answered: Promise<unknown>) {
      const warmUp = notBefore ? firstAnswered : undefined;
      if (notBefore) firstAnswered ??= answered.then(() => undefined);
      queue = queue.then(async () => {
        await warmUp;
        // The gap the limits gave the two messages (none unless both were timed).
        const gap = notBefore && last.notBefore ? Math.max(0, notBefore - last.notBefore) : 0;
        const at = Math.max(notBefore, last.startedAt + gap);
        const wait = at - Date.now();
        if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
        last = { notBefore, startedAt: Date.now() };
      });
      return queue;
    },
  };
}

if (parentPort && workerData?.mailThread) {
  const port = parentPort;
  const sender = createMailSender(workerData.mailThread as MailThreadOptions);
  const startTimes = startScheduler();
  let sending = 0;
  // The thread ends once its port is closed: after `close`, when the last message is answered.
  const closeWhenIdle = () => sender.isClosed() && sending === 0 && (closeArchiveFolder(), port.close());
  port.postMessage({ ready: true } satisfies MailReply);
  port.on('message', async (request: MailRequest) => {
    if ('close' in request) {
      sender.close();
      closeWhenIdle();
      return;
    }
    sending++;
    let answer = (_delivery: Delivery) => {};
    await startTimes.next(request.notBefore ?? 0, new Promise<Delivery>((resolve) => (answer = resolve)));
    const delivery = await sender.send(asBuffers(request.mail), request);
    answer(delivery);
    sending--;
    port.postMessage({ id: request.id, delivery } satisfies MailReply);
    closeWhenIdle();
  });
}
