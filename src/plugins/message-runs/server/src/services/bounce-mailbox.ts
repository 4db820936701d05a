import os from 'os';
import { randomBytes } from 'crypto';
import { ImapFlow } from 'imapflow';
import type { Core } from '@strapi/strapi';
import { resolveBounceImap, type BounceImapSettings, type MessageRunsConfig } from '../config';
import { createRepositories } from '../data/repositories';
import { getService } from '../utils';
import { parseBounce } from './bounce-parser';
import type { DeliveryReport } from './delivery-reports';

/** The lease's name: one instance at a time polls the bounce mailbox. */
export const BOUNCE_POLL_TASK = 'bounce-mailbox';
/** Messages read, applied and moved together. */
const BATCH_SIZE = 100;
/** A poll stops taking new batches after this long, so it ends well within its lease. */
const POLL_BUDGET_MS = 50_000;
const LEASE_SECONDS = 300;
/** Each network step (connecting, the greeting, any answer) may take this long. */
const IMAP_TIMEOUT_MS = 30_000;
/**
 * The keyword a message that could not be read gets: it stays in the mailbox for an operator, and
 * later polls pass it over instead of reading it again (or filling every batch with such messages).
 */
export const MALFORMED_KEYWORD = 'MessageRunsMalformed';

export interface PollReport {
  /** false: not configured, or another instance holds the lease. */
  polled: boolean;
  fetched: number;
  /** Messages moved to the processed folder (every report applied now or before). */
  processed: number;
  /** Messages moved to the unmatched folder (no report names a known result, or no report at all). */
  unmatched: number;
  /** Messages that could not be read, left in the mailbox. */
  malformed: number;
  /** Why the poll ended early (the connection, the database); it is tried again at the next tick. */
  error?: string;
}

interface Read {
  uid: number;
  reports: DeliveryReport[];
}

/** An IMAP error as the server said it; never the settings (the password). */
const describe = (error: unknown) => {
  const { message, responseText } = error as { message?: string; responseText?: string };
  return [message ?? String(error), responseText].filter(Boolean).join(': ');
};

/**
 * The bounce mailbox (DESIGN.md §4, "Bounce mailbox"). Each poll, in one instance at a time (a lease
 * in the database) and once at a time in this process: reads the mailbox in batches, turns each
 * message into delivery reports (services/bounce-parser.ts), applies each batch's reports in one call
 * (services/delivery-reports.ts), then moves the messages by outcome: a message whose reports all
 * named a result (applied now, or before) to the processed folder; one that named none, or is no
 * report at all, to the unmatched folder. A message that cannot be read is logged (its UID and
 * Message-ID, never its content) and left, with a keyword that later polls pass over. A failing
 * connection or database ends the poll with an error in its report, logged: it never throws.
 */
export default ({ strapi }: { strapi: Core.Strapi }) => {
  const holder = `${os.hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
  const config = () => strapi.config.get('plugin::message-runs') as MessageRunsConfig;
  const repositories = createRepositories(strapi);
  let current: Promise<PollReport> | undefined;

  async function readBatch(client: ImapFlow, uids: number[], report: PollReport): Promise<Read[]> {
    const reads: Read[] = [];
    const { returnPath } = config();
    // Fetched whole before anything else is sent: no other command may run inside a FETCH.
    const messages = await client.fetchAll(uids.join(','), { uid: true, source: true, envelope: true }, { uid: true });
    for (const message of messages) {
      report.fetched++;
      const parse = message.source ? await parseBounce(message.source, { returnPath }) : { error: 'no content' };
      if ('reports' in parse) {
        reads.push({ uid: message.uid, reports: parse.reports });
        continue;
      }
      report.malformed++;
      await client.messageFlagsAdd(String(message.uid), [MALFORMED_KEYWORD], { uid: true });
      strapi.log.warn(
        `[message-runs] bounce mailbox: message UID ${message.uid} (Message-ID ${message.envelope?.messageId ?? 'none'}) left in the mailbox: ${parse.error}`
      );
    }
    return reads;
  }

  /** Applies a batch's reports in one call, and moves each message by its reports' outcomes. */
  async function settleBatch(client: ImapFlow, settings: BounceImapSettings, reads: Read[], report: PollReport) {
    const outcomes = await getService(strapi, 'deliveryReports').apply(reads.flatMap((read) => read.reports));
    const processed: number[] = [];
    const unmatched: number[] = [];
    let next = 0;
    for (const read of reads) {
      const own = outcomes.slice(next, (next += read.reports.length));
      (own.length && !own.includes('unmatched') ? processed : unmatched).push(read.uid);
    }
    if (processed.length) await client.messageMove(processed.join(','), settings.processedFolder, { uid: true });
    if (unmatched.length) await client.messageMove(unmatched.join(','), settings.unmatchedFolder, { uid: true });
    report.processed += processed.length;
    report.unmatched += unmatched.length;
  }

  async function pollMailbox(settings: BounceImapSettings, report: PollReport) {
    const client = new ImapFlow({
      host: settings.host,
      port: settings.port,
      secure: settings.secure,
      auth: { user: settings.user, pass: settings.pass },
      logger: false,
      disableAutoIdle: true,
      connectionTimeout: IMAP_TIMEOUT_MS,
      greetingTimeout: IMAP_TIMEOUT_MS,
      socketTimeout: IMAP_TIMEOUT_MS,
    });
    // A dropped connection is also emitted as an event: unheard, it would end the process.
    client.on('error', (error) => strapi.log.warn(`[message-runs] bounce mailbox connection: ${describe(error)}`));
    await client.connect();
    try {
      for (const folder of [settings.processedFolder, settings.unmatchedFolder]) await client.mailboxCreate(folder);
      const lock = await client.getMailboxLock(settings.mailbox);
      try {
        const deadline = Date.now() + POLL_BUDGET_MS;
        while (Date.now() < deadline) {
          const uids = ((await client.search({ unKeyword: MALFORMED_KEYWORD }, { uid: true })) || []).sort((a, b) => a - b);
          const batch = uids.slice(0, BATCH_SIZE);
          if (!batch.length) break;
          const reads = await readBatch(client, batch, report);
          if (reads.length) await settleBatch(client, settings, reads, report);
          if (uids.length <= BATCH_SIZE) break;
        }
      } finally {
        lock.release();
      }
    } finally {
      await client.logout().catch(() => client.close());
    }
  }

  async function runPoll(): Promise<PollReport> {
    const report: PollReport = { polled: false, fetched: 0, processed: 0, unmatched: 0, malformed: 0 };
    const { settings } = resolveBounceImap(config().bounceImap);
    if (!settings) return report;
    try {
      if (!(await repositories.leases.acquire(BOUNCE_POLL_TASK, holder, new Date(), LEASE_SECONDS))) return report;
    } catch (error) {
      strapi.log.warn(`[message-runs] bounce mailbox: taking the poll's lease failed: ${describe(error)}`);
      return { ...report, error: describe(error) };
    }
    report.polled = true;
    try {
      await pollMailbox(settings, report);
    } catch (error) {
      report.error = describe(error);
      strapi.log.warn(
        `[message-runs] bounce mailbox ${settings.user}@${settings.host}:${settings.port}/${settings.mailbox}: ${report.error} (tried again at the next poll)`
      );
    } finally {
      await repositories.leases.release(BOUNCE_POLL_TASK, holder).catch((error) =>
        strapi.log.warn(`[message-runs] bounce mailbox: giving up the poll's lease failed: ${describe(error)}`)
      );
    }
    if (report.fetched) {
      strapi.log.info(
        `[message-runs] bounce mailbox: ${report.fetched} read, ${report.processed} processed, ${report.unmatched} unmatched, ${report.malformed} malformed`
      );
    }
    return report;
  }

  return {
    holder,

    /** One poll; while one is under way in this process, another call waits for it instead. */
    poll() {
      current ??= runPoll().finally(() => {
        current = undefined;
      });
      return current;
    },
  };
};
