import path from 'path';
import { Worker } from 'worker_threads';
import type Mail from 'nodemailer/lib/mailer';
import type { Core } from '@strapi/strapi';
import type { MessageRunsConfig } from '../config';
import type { MailSettings } from '../../../shared/contracts/settings';
import { getService } from '../utils';
import type { Delivery } from '../domain/outcomes';
import type { MailReply, MailRequest, MailThreadOptions, SendOptions } from './mail-thread';


const MAIL_THREAD_YOUNG_GENERATION_MB = 24;

/**
 * Sends messages through the mail thread (mail-thread.ts): nodemailer with a pooled SMTP transport
 * when an SMTP host is configured, otherwise each message written as an .eml file to the outbox
 * folder (the embedded default). A thread starts with the first message, with the configuration of
 * that moment, and is closed by `close()`; the next message starts a new one.
 */
export default ({ strapi }: { strapi: Core.Strapi }) => {
  const config = () => strapi.config.get('plugin::message-runs') as MessageRunsConfig;
  let nextId = 0;
  let thread: ReturnType<typeof startThread> | undefined;

  function startThread() {
    const { smtp, maxConnections, outboxDir } = config();
    const options: MailThreadOptions = {
      smtp,
      maxConnections,
      outboxDir: path.resolve(strapi.dirs.app.root, outboxDir),
      appRoot: strapi.dirs.app.root,
      archive: getService(strapi, 'archive').threadOptions(),
    };
    const worker = new Worker(path.join(__dirname, 'mail-thread.js'), {
      workerData: { mailThread: options },
      // Half V8's default: the thread's objects live for one message. Measured on a 40k-result run,
      // the process's peak RSS rose 132 MB above idle against 145 MB, at the same throughput.
      resourceLimits: { maxYoungGenerationSizeMb: MAIL_THREAD_YOUNG_GENERATION_MB },
    });
    const waiting = new Map<number, (delivery: Delivery) => void>();
    let markReady = () => {};
    const ready = new Promise<void>((resolve) => (markReady = resolve));
    worker.on('message', (reply: MailReply) => {
      if ('ready' in reply) return markReady();
      waiting.get(reply.id)?.(reply.delivery);
      waiting.delete(reply.id);
    });
    worker.on('error', (error) => strapi.log.error(`[message-runs] the mail thread failed: ${error.message}`));
    worker.on('exit', () => {
      markReady();
      if (thread === started) thread = undefined;
      // Whatever it had not answered is retried, not lost.
      for (const resolve of waiting.values()) resolve({ status: 'transient', error: 'the mail thread ended before the message was sent' });
      waiting.clear();
    });
    // It must not hold the process open by itself; Strapi's destroy closes it.
    worker.unref();
    const started = {
      send: (mail: Mail.Options, options: SendOptions) =>
        new Promise<Delivery>((resolve) => {
          const id = nextId++;
          waiting.set(id, resolve);
          worker.postMessage({ id, mail, ...options } satisfies MailRequest);
        }),
      close: () => worker.postMessage({ close: true } satisfies MailRequest),
      ready,
    };
    return started;
  }

  return {
    /** The transport in use, for the settings page (never the password). */
    describe(): Pick<MailSettings, 'transport' | 'maxConnections'> {
      const { smtp, maxConnections, outboxDir: folder } = config();
      const transport: MailSettings['transport'] = smtp.host
        ? { kind: 'smtp', host: smtp.host, port: smtp.port, secure: smtp.secure, user: smtp.user ?? null }
        : { kind: 'outbox', outboxDir: folder };
      return { transport, maxConnections };
    },

    /**
     * Starts the mail thread if it is not running, and resolves once it can send: a message timed by
     * the rate limits must not wait for the thread to boot and then go out together with the next.
     */
    ready(): Promise<void> {
      thread ??= startThread();
      return thread.ready;
    },

    /**
     * Sends `mail`, not before `notBefore` (ms since the epoch) when given, and keeps its bytes in the
     * archive named by the result `archiveAs` (none without it); see SendOptions.
     */
    async send(mail: Mail.Options, options: SendOptions = {}): Promise<Delivery> {
      const { archiveAs } = options;
      thread ??= startThread();
      const delivery = await thread.send(mail, options);
      if (delivery.status !== 'sent') return delivery;
      const { bytes, ...sent } = delivery;
      if (bytes && archiveAs !== undefined) {
        // Posted back for the upload provider, which only this thread has.
        try {
          sent.archiveKey = await getService(strapi, 'archive').upload(bytes, archiveAs, sent.sha256);
        } catch (error) {
          sent.archiveError = `the upload provider did not take it (${(error as Error).message})`;
        }
      }
      if (sent.archiveError) {
        strapi.log.warn(`[message-runs] the message of result ${archiveAs} was sent but not kept: ${sent.archiveError}`);
      }
      return sent;
    },

    /** Closes the SMTP pool: messages being sent finish, the ones still queued come back as transient. */
    close() {
      thread?.close();
      thread = undefined;
    },
  };
};
