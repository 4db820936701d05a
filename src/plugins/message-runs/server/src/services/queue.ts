import os from 'os';
import { randomBytes } from 'crypto';
import type { Core } from '@strapi/strapi';
import type { MessageRunsConfig } from '../config';
import { resolveDialect } from '../data/dialect';
import { claimResults, findFinishedRunIds, recordOutcomes, requeueExpiredClaims, type Outcome } from '../data/queue';
import { completeRunIfDone } from '../data/runs';
import { forgetOldWindows, releaseSends, reserveSends, type Reservation } from '../data/send-windows';
import { resolveTables } from '../data/tables';
import { getService } from '../utils';
import type { Delivery } from './mailer';
import type { ComposedMessage } from './messages';

/** How long one tick keeps claiming batches before it lets the next tick take over. */
const TICK_BUDGET_MS = 60_000;

export interface TickReport {
  claimed: number;
  sent: number;
  retrying: number;
  failed: number;
  skipped: number;
}

/**
 * Outcomes are written together, up to this many in one statement. A statement per five messages
 * (one per connection) cost PostgreSQL more CPU than sending them; a worker killed before writing
 * loses no more than before: every message of its batch was already handed to the transport.
 */
const OUTCOMES_PER_WRITE = 25;
/** …unless the last write is this old: then an outcome is written at once. */
const OUTCOME_WRITE_INTERVAL_MS = 250;

/** Pauses before each new try of an outcome write that failed (a dropped database connection, a failover). */
const RECORD_RETRY_DELAYS_MS = [100, 500, 2000, 5000];

/**
 * Runs `write`, and again after each delay while it fails. Only for idempotent writes: the guarded
 * outcome update changes nothing the second time, even when the first was committed and only its
 * answer was lost. Giving up on it would leave sent messages `sending`, to be sent again once their
 * lease runs out.
 */
async function retryWrite<T>(write: () => Promise<T>, onRetry: (error: unknown) => void): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await write();
    } catch (error) {
      if (attempt >= RECORD_RETRY_DELAYS_MS.length) throw error;
      onRetry(error);
      await new Promise((resolve) => setTimeout(resolve, RECORD_RETRY_DELAYS_MS[attempt]));
    }
  }
}

/**
 * The delivery worker of this instance. Each tick requeues expired claims, then claims batches of due
 * results of running runs, renders and sends them, and records each outcome, until the queue is empty
 * or the tick's budget is spent. Stopping a run takes effect at the next claim; claimed messages finish.
 */
export default ({ strapi }: { strapi: Core.Strapi }) => {
  const workerId = `${os.hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
  const config = () => strapi.config.get('plugin::message-runs') as MessageRunsConfig;
  let currentTick: Promise<TickReport> | undefined;

  const toOutcome = (delivery: Delivery, attempts: number, now: Date): Outcome => {
    if (delivery.status === 'sent') {
      return { status: 'sent', messageId: delivery.messageId, response: delivery.response };
    }
    if (delivery.status === 'rejected') {
      return { status: 'failed', reason: delivery.reason, error: delivery.error };
    }
    const delays = config().retryDelays;
    if (attempts > delays.length) {
      return {
        status: 'failed',
        reason: 'smtp-transient',
        error: `${delivery.error} (gave up after ${attempts} attempts)`,
      };
    }
    return {
      status: 'retrying',
      reason: 'smtp-transient',
      error: delivery.error,
      nextAttemptAt: new Date(now.getTime() + delays[attempts - 1] * 1000),
    };
  };

  /**
   * Hands a batch's messages to the mail thread at once (the pool's queue keeps every connection
   * busy, as bare nodemailer's does) and records their outcomes as they come back: up to
   * OUTCOMES_PER_WRITE in one statement while they come back fast; when the last write is older than
   * OUTCOME_WRITE_INTERVAL_MS, at once, so the admin pages follow a slow server message by message.
   */
  async function sendBatch(messages: ComposedMessage[], attemptsOf: Map<number, number>, report: TickReport) {
    const knex = strapi.db.connection;
    const t = resolveTables(strapi);
    const pending: { resultIds: number[]; outcome: Outcome }[] = [];
    let lastWrite = Date.now();
    const flush = () => {
      const outcomes = pending.splice(0);
      const now = new Date();
      lastWrite = now.getTime();
      return retryWrite(
        () => recordOutcomes(knex, t, workerId, outcomes, now),
        (error) => strapi.log.warn(`[message-runs] ${workerId}: recording outcomes failed, trying again: ${error}`)
      );
    };
    let mailed = 0;
    await Promise.all(
      messages.map(async (message) => {
        let outcome: Outcome;
        if ('outcome' in message) {
          outcome = message.outcome;
        } else {
          mailed++;
          const attempts = Math.max(...message.resultIds.map((id) => attemptsOf.get(id)!));
          outcome = toOutcome(await getService(strapi, 'mailer').send(message.mail), attempts, new Date());
        }
        pending.push({ resultIds: message.resultIds, outcome });
        report[outcome.status] += message.resultIds.length;
        if (pending.length >= OUTCOMES_PER_WRITE || Date.now() - lastWrite >= OUTCOME_WRITE_INTERVAL_MS) await flush();
      })
    );
    if (pending.length) await flush();
    return mailed;
  }

  async function runTick(): Promise<TickReport> {
    const knex = strapi.db.connection;
    const t = resolveTables(strapi);
    const { batchSize, leaseSeconds, rateLimitPerMinute } = config();
    const report: TickReport = { claimed: 0, sent: 0, retrying: 0, failed: 0, skipped: 0 };
    const deadline = Date.now() + TICK_BUDGET_MS;

    await requeueExpiredClaims(knex, t, new Date(), leaseSeconds);
    if (rateLimitPerMinute) await forgetOldWindows(knex, t, new Date());
    /** Claims the next batch (within the rate limit, if any) and renders its messages. */
    const prepareBatch = async () => {
      // With a rate limit, claim no more than this minute still allows across all instances.
      const reservation = rateLimitPerMinute
        ? await reserveSends(knex, t, batchSize, rateLimitPerMinute, new Date())
        : undefined;
      if (reservation && !reservation.granted) return undefined;
      const claimed = await claimResults(knex, t, resolveDialect(strapi), {
        workerId,
        batchSize: reservation?.granted ?? batchSize,
        now: new Date(),
      });
      const messages = claimed.length ? await getService(strapi, 'messages').compose(claimed) : [];
      return { reservation, claimed, messages };
    };

    // While a batch is being sent, the next one is claimed and rendered, so the connections stay busy;
    // once the budget is spent nothing more is claimed, but what was claimed is sent.
    let next: ReturnType<typeof prepareBatch> | undefined = prepareBatch();
    while (next) {
      const batch = await next;
      if (!batch?.claimed.length) {
        if (batch?.reservation) await releaseSends(knex, t, batch.reservation, batch.reservation.granted);
        break;
      }
      next = Date.now() < deadline ? prepareBatch() : undefined;
      // It is awaited only after this batch is sent: until then its failure (a dropped connection) must
      // not count as an unhandled rejection, which would end the process.
      next?.catch(() => {});
      report.claimed += batch.claimed.length;
      const attemptsOf = new Map(batch.claimed.map((result) => [result.id, result.attempts]));
      const mailed = await sendBatch(batch.messages, attemptsOf, report);
      if (batch.reservation) await releaseSends(knex, t, batch.reservation, batch.reservation.granted - mailed);
    }
    for (const runId of await findFinishedRunIds(knex, t)) {
      await completeRunIfDone(knex, t, runId, new Date());
    }
    if (report.claimed) {
      strapi.log.info(
        `[message-runs] ${workerId}: ${report.claimed} claimed, ${report.sent} sent, ${report.retrying} to retry, ${report.failed} failed, ${report.skipped} skipped`
      );
    }
    return report;
  }

  return {
    workerId,

    /** One delivery round; while one is under way in this process, another call waits for it instead. */
    tick() {
      currentTick ??= runTick().finally(() => {
        currentTick = undefined;
      });
      return currentTick;
    },
  };
};
