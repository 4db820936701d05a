import os from 'os';
import { randomBytes } from 'crypto';
import type Mail from 'nodemailer/lib/mailer';
import type { Core } from '@strapi/strapi';
import type { MessageRunsConfig } from '../config';
import type { ResultEventType } from '../../../shared/constants';
import type { NewEvent } from '../data/events';
import type { RecordedResult } from '../data/queue';
import { createRepositories } from '../data/repositories';
import type { ComposedMail } from '../domain/message';
import { outcomeOf, type Outcome } from '../domain/outcomes';
import { getService, systemActor } from '../utils';
import { ALL, instancePace, scopesOf, spacingOf } from './pacing';

/** How long one tick keeps claiming results before it lets the next tick take over. */
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
 * loses no more than before: every one of those messages was already handed to the transport.
 */
const OUTCOMES_PER_WRITE = 25;
/** …but none waits longer than this: the admin pages follow a slow server message by message. */
const OUTCOME_WRITE_INTERVAL_MS = 250;

/** Pauses before each new try of a write that failed (a dropped database connection, a failover). */
const RECORD_RETRY_DELAYS_MS = [100, 500, 2000, 5000];

/**
 * A worker holds at most what it can send in this share of a lease, at its measured rate: a server
 * that slows down still gets through the backlog well within the lease, which the heartbeat renews.
 */
const LEASE_SHARE = 0.5;
/** Weight of the newest measurement in the smoothed time a message takes. */
const SMOOTHING = 0.2;
/**
 * Beyond the messages in an SMTP transaction, a worker may hand over as many more as its pool starts
 * within this time at its measured pace, and only while the server answered within this time (none
 * at a server slower than this per message, nor at one that has just gone quiet). A free
 * connection then finds its next message waiting instead of waiting one hand-over statement for it
 * (on PostgreSQL, with a local server at ~8 ms a message, that wait cost a third of the throughput),
 * and Stop still lets finish only what is at the server or reaches it within this time.
 */
const PROMPT_START_MS = 100;

/**
 * Runs `write`, and again after each delay while it fails. Only for guarded writes: the outcome
 * update changes nothing the second time, even when the first was committed and only its answer was
 * lost (giving up on it would leave sent messages `sending`, to be sent again once their lease runs
 * out); a hand-over whose answer was lost marks nothing the second time, so its messages are not sent
 * by this worker but queued again when their lease runs out.
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
 * A message whose recipient domain's limit has no room for it within this time goes back to the queue
 * until its domain has room, rather than hold a place that results for other domains could use.
 */
const DOMAIN_WAIT_HELD_MS = 1000;
/** How far into a worker's waiting messages a free connection looks for one whose domain has room. */
const DOMAIN_LOOKAHEAD = 50;

/**
 * The history entry of each result an outcome write changed, from its status as written (a server
 * failure of a run no longer running is `queued`) and the outcome's detail. `claimed` is not written:
 * the outcome's entry names the worker (its actor), and a claim that comes to nothing (Stop, a
 * domain's limit) changes nothing worth an entry, so the queue's hot path writes one entry per attempt.
 */
function outcomeEvents(
  recorded: RecordedResult[],
  outcomes: { resultIds: number[]; outcome: Outcome }[],
  actor: NewEvent['actor'],
  now: Date
): NewEvent[] {
  const outcomeOf = new Map(outcomes.flatMap(({ resultIds, outcome }) => resultIds.map((id) => [id, outcome])));
  return recorded.map((result) => {
    const outcome = outcomeOf.get(result.id)!;
    const detail: Record<string, unknown> = { attempts: result.attempts };
    if (result.status === 'sent') {
      Object.assign(detail, { recipient: result.recipient, response: outcome.response ?? null, messageId: outcome.messageId ?? null });
    } else {
      Object.assign(detail, { reason: outcome.reason ?? null });
    }
    // The SMTP answer or the render error; on `sent`, the Bcc addresses the server refused.
    if (outcome.error) detail.error = outcome.error;
    if (result.status === 'retrying') detail.nextAttemptAt = outcome.nextAttemptAt?.toISOString() ?? null;
    return { runId: result.runId, resultId: result.id, type: result.status as ResultEventType, at: now, actor, detail };
  });
}

/** A claimed result's message, rendered, waiting for a free SMTP connection. */
interface Mailable {
  runId: number;
  resultIds: number[];
  mail: ComposedMail;
  /** Its invoices, for the outbox file's name. */
  label: string;
  attempts: number;
  /** The rate limits it falls under (services/pacing.ts). */
  scopes: string[];
}

/** The address a message goes to, as the result records it. */
function recipientOf(mail: Mailable['mail']): Outcome['recipient'] {
  return { address: mail.to.address, name: mail.to.name || null };
}

/** Every address a message goes to (To and Bcc): each counts for its domain's limit. */
function addressesOf(mail: Mailable['mail']): string[] {
  return [mail.to, mail.bcc]
    .flat()
    .map((recipient) => (typeof recipient === 'string' ? recipient : (recipient as Mail.Address | undefined)?.address))
    .filter((address): address is string => Boolean(address));
}

/**
 * The time a message takes from hand-over to the server's answer (its wait in the pool included),
 * smoothed; with `handedOver` messages in the pool at once, it gives the pool's send rate.
 */
function sendTimer() {
  let smoothedMs: number | undefined;
  let lastAnswerAt = 0;
  return {
    record(ms: number) {
      smoothedMs = smoothedMs === undefined ? ms : smoothedMs + SMOOTHING * (ms - smoothedMs);
      lastAnswerAt = Date.now();
    },
    /** Messages a second, or undefined before the first answer. */
    rate: (handedOver: number) => (smoothedMs === undefined ? undefined : (handedOver * 1000) / Math.max(smoothedMs, 1)),
    /** How many messages beyond `connections` the pool starts within PROMPT_START_MS, while it answers promptly. */
    lookahead: (connections: number) =>
      smoothedMs === undefined || Date.now() - lastAnswerAt > PROMPT_START_MS
        ? 0
        : Math.floor((connections * PROMPT_START_MS) / Math.max(smoothedMs, 1)),
  };
}

/**
 * The delivery worker of this instance. Each tick requeues expired claims, then keeps the SMTP pool
 * busy until nothing is due or the tick's budget is spent: it claims due results of running runs (no
 * more than it can send well within one lease), renders them, hands each message to the mail thread
 * when a connection is free, and records each outcome. While the tick runs, a heartbeat renews the
 * lease of every result the worker holds.
 *
 * A message goes to SMTP only after one guarded UPDATE marked its results handed over, while this
 * worker still held them and their run was running: a claim another worker took over, or that Stop
 * returned to the queue, is never sent by this one. Handed over are the messages in an SMTP
 * transaction (at most `maxConnections`) and, at a server that answers within PROMPT_START_MS, those
 * the pool starts within that time: Stop lets exactly those finish.
 *
 * Under a rate limit, or while the server has throttled this instance, each message handed over also
 * gets the time the limits give it (services/pacing.ts), at most PROMPT_START_MS ahead, and the mail
 * thread starts it then. A server that throttles halves this instance's pace; one that is unavailable
 * counts towards pausing the run (`pauseAfterFailures`).
 */
export default ({ strapi }: { strapi: Core.Strapi }) => {
  const workerId = `${os.hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
  /** The actor of what the queue does, in the history. */
  const actor = systemActor(workerId, 'queue');
  const config = () => strapi.config.get('plugin::message-runs') as MessageRunsConfig;
  const timer = sendTimer();
  const pace = instancePace();
  /** This instance's next free time under its own pace. */
  let paceNextAt = 0;
  let currentTick: Promise<TickReport> | undefined;

  const repositories = createRepositories(strapi);
  const queue = repositories.queue;

  const savePace = () =>
    queue.recordPace(workerId, pace.record(), new Date()).catch((error) =>
      strapi.log.warn(`[message-runs] ${workerId}: recording its pace failed: ${error}`)
    );

  /** Renews the lease of everything this worker holds, every third of a lease, until stopped. */
  function startHeartbeat(leaseSeconds: number) {
    const beat = setInterval(() => {
      queue.renew(workerId, new Date()).catch((error) =>
        strapi.log.warn(`[message-runs] ${workerId}: renewing the lease of its claims failed: ${error}`)
      );
    }, (leaseSeconds * 1000) / 3);
    beat.unref();
    return () => clearInterval(beat);
  }

  /**
   * Counts each run's attempts in a row that found the server unavailable (a throttle slows down, it
   * does not count), and pauses a run that reached `pauseAfterFailures`: the server, not its
   * recipients, is the problem.
   */
  async function pauseRunsFailingOnTheServer(written: { runId: number; outcome: Outcome }[]) {
    const byRun = new Map<number, { failures: number; afterSuccess: boolean; lastError: string }>();
    for (const { runId, outcome } of written) {
      const run = byRun.get(runId) ?? { failures: 0, afterSuccess: false, lastError: '' };
      if (outcome.reason === 'smtp-unavailable') {
        run.failures++;
        run.lastError = outcome.error ?? '';
      } else if (outcome.status === 'sent') {
        run.failures = 0;
        run.afterSuccess = true;
      }
      byRun.set(runId, run);
    }
    const writes = [...byRun].map(([runId, run]) => ({ runId, ...run })).filter((run) => run.failures || run.afterSuccess);
    const { pauseAfterFailures } = config();
    const reached = await repositories.runs.countServerFailures(writes, pauseAfterFailures);
    for (const runId of reached) {
      await getService(strapi, 'runs').pauseAfterFailures(runId, byRun.get(runId)!.lastError, pauseAfterFailures, actor);
    }
  }

  /**
   * Collects outcomes and writes them in one statement: at once when the last write is older than
   * OUTCOME_WRITE_INTERVAL_MS, OUTCOMES_PER_WRITE are waiting or the server was unavailable, otherwise
   * when that interval is up.
   */
  function outcomeWriter(report: TickReport, onError: (error: unknown) => void) {
    const pending: { runId: number; resultIds: number[]; outcome: Outcome }[] = [];
    const writes = new Set<Promise<void>>();
    let lastWrite = 0;
    let timeout: NodeJS.Timeout | undefined;

    const flush = () => {
      clearTimeout(timeout);
      timeout = undefined;
      const outcomes = pending.splice(0);
      if (!outcomes.length) return;
      const now = new Date();
      lastWrite = now.getTime();
      const expected = outcomes.reduce((sum, { resultIds }) => sum + resultIds.length, 0);
      // The outcomes and their history entries commit together: a write tried again after a lost
      // answer finds the results no longer held, and writes neither again.
      const write = retryWrite(
        () =>
          repositories.ownTransaction(async (trx) => {
            const recorded = await trx.queue.recordOutcomes(workerId, outcomes, now);
            await trx.events.append(outcomeEvents(recorded, outcomes, actor, now), now);
            return recorded;
          }),
        (error) => strapi.log.warn(`[message-runs] ${workerId}: recording outcomes failed, trying again: ${error}`)
      )
        .then(async (recorded) => {
          if (recorded.length < expected) {
            strapi.log.warn(
              `[message-runs] ${workerId}: ${expected - recorded.length} of ${expected} outcomes not recorded: worker ${workerId} no longer held those results (its lease had run out, or Stop returned them to the queue)`
            );
          }
          // Announced once per failure for good: only this write moved these results to `failed`.
          await getService(strapi, 'webhooks').announceResults(
            'failed',
            recorded.filter((result) => result.status === 'failed')
          );
          await pauseRunsFailingOnTheServer(outcomes);
        })
        .catch(onError)
        .finally(() => writes.delete(write));
      writes.add(write);
    };

    return {
      add(runId: number, resultIds: number[], outcome: Outcome) {
        pending.push({ runId, resultIds, outcome });
        report[outcome.status] += resultIds.length;
        const sinceLastWrite = Date.now() - lastWrite;
        // An unavailable server is counted at once: the run pauses after as few attempts as it can.
        const urgent = outcome.reason === 'smtp-unavailable';
        if (urgent || pending.length >= OUTCOMES_PER_WRITE || sinceLastWrite >= OUTCOME_WRITE_INTERVAL_MS) flush();
        else timeout ??= setTimeout(flush, OUTCOME_WRITE_INTERVAL_MS - sinceLastWrite);
      },
      /** Writes what is pending and waits for every write under way. */
      async settle() {
        flush();
        while (writes.size) await Promise.all(writes);
      },
    };
  }

  /** Claims, hands over and records until nothing is due or the budget is spent; see the service's comment. */
  async function deliver(report: TickReport, deadline: number) {
    const { batchSize, leaseSeconds, maxConnections } = config();
    const spacing = spacingOf(config());
    const mailer = getService(strapi, 'mailer');
    const waiting: Mailable[] = [];
    let inFlight = 0;
    /** Nothing more is due. */
    let drained = false;
    /** The rate limits allow no waiting message before this time (ms since the epoch). */
    let limitedUntil = 0;
    let limitTimer: NodeJS.Timeout | undefined;
    let failure: unknown;
    let wake = () => {};
    const fail = (error: unknown) => {
      failure ??= error;
      wake();
    };
    const outcomes = outcomeWriter(report, fail);

    /** Messages in the pool at once: one per connection, and those it starts promptly. */
    const handOverLimit = () => maxConnections + timer.lookahead(maxConnections);

    /** Messages a second: as measured, and no more than the limits and this instance's pace allow. */
    const sendingRate = () => {
      const measured = timer.rate(handOverLimit());
      const step = Math.max(spacing[ALL] ?? 0, pace.spacing());
      return step && measured !== undefined ? Math.min(measured, 1000 / step) : measured;
    };

    /**
     * As many results as this worker can send within LEASE_SHARE of a lease, at least maxConnections;
     * at a fast server, two batches: one being sent and the next one ready.
     */
    const holdLimit = () => {
      const rate = sendingRate();
      if (rate === undefined) return maxConnections;
      return Math.min(2 * batchSize, Math.max(maxConnections, Math.floor(rate * leaseSeconds * LEASE_SHARE)));
    };

    async function claim(wanted: number) {
      const claimed = await queue.claim({ workerId, batchSize: wanted, now: new Date() });
      drained = !claimed.length;
      report.claimed += claimed.length;
      const messages = claimed.length ? await getService(strapi, 'messages').compose(claimed) : [];
      const claimOf = new Map(claimed.map((result) => [result.id, result]));
      for (const message of messages) {
        const runId = claimOf.get(message.resultIds[0])!.runId;
        if ('outcome' in message) {
          outcomes.add(runId, message.resultIds, message.outcome);
        } else {
          const attempts = Math.max(...message.resultIds.map((id) => claimOf.get(id)!.attempts));
          const scopes = scopesOf(addressesOf(message.mail), spacing);
          waiting.push({ runId, resultIds: message.resultIds, mail: message.mail, label: message.label, attempts, scopes });
        }
      }
    }

    /** Sends a message handed over at `handedAt`, not before `notBefore` (both ms since the epoch). */
    async function send(message: Mailable, handedAt: number, notBefore: number) {
      try {
        // Named by its first result: the one a collated message's results share (as the return path does).
        const delivery = await mailer.send(message.mail, { notBefore, archiveAs: message.resultIds[0], label: message.label });
        timer.record(Date.now() - Math.max(notBefore, handedAt));
        if (delivery.status === 'sent' && pace.accepted()) void savePace();
        if (delivery.status === 'transient' && delivery.slowDown) {
          pace.throttled(delivery.error, sendingRate() ?? maxConnections, new Date());
          void savePace();
        }
        outcomes.add(message.runId, message.resultIds, {
          ...outcomeOf(delivery, message.attempts, new Date(), config()),
          recipient: recipientOf(message.mail),
        });
      } catch (error) {
        fail(error);
      } finally {
        inFlight--;
        wake();
      }
    }
    /**
     * The times the rate limits give the first waiting messages, as many as there are free connections;
     * messages whose domain has no room soon go back to the queue until it has.
     */
    async function timeWaitingMessages(free: number) {
      await mailer.ready();
      const candidates = waiting.slice(0, free + DOMAIN_LOOKAHEAD);
      const now = Date.now();
      const assignment = await queue.reserveSendTimes({
        max: free,
        scopes: candidates.map((message) => message.scopes),
        spacing,
        localNextAt: paceNextAt,
        localSpacing: pace.spacing(),
        now,
        horizon: PROMPT_START_MS,
      });
      paceNextAt = assignment.localNextAt;
      const timed = new Map<Mailable, number>();
      const deferred: { message: Mailable; at: number }[] = [];
      const projected: Record<string, number> = {};
      candidates.forEach((message, index) => {
        const time = assignment.times[index];
        const domainFreeAt = assignment.domainFreeAt[index];
        if (time !== null) timed.set(message, time);
        else if (domainFreeAt !== undefined && domainFreeAt - now > DOMAIN_WAIT_HELD_MS) {
          // Due when its domain has room, after the ones of the same domain deferred before it.
          const domain = message.scopes.find((scope) => scope !== ALL)!;
          const at = Math.max(domainFreeAt, projected[domain] ?? 0);
          projected[domain] = at + spacing[domain];
          deferred.push({ message, at });
        }
      });
      if (deferred.length) {
        const leaving = new Set(deferred.map(({ message }) => message));
        waiting.splice(0, waiting.length, ...waiting.filter((message) => !leaving.has(message)));
        await queue.defer(workerId, deferred.map(({ message, at }) => ({ resultIds: message.resultIds, at: new Date(at) })), new Date());
      }
      if (!timed.size && assignment.retryAt !== undefined) limitedUntil = assignment.retryAt;
      return timed;
    }

    /**
     * One guarded UPDATE for the messages free connections can take now, at the times the limits give
     * them; only the ones it marked are sent.
     */
    async function handOverToFreeConnections() {
      const free = handOverLimit() - inFlight;
      const limited = Object.keys(spacing).length > 0 || pace.spacing() > 0;
      const timed = limited ? await timeWaitingMessages(free) : new Map(waiting.slice(0, free).map((message) => [message, 0]));
      const group = [...timed.keys()];
      if (!group.length) return;
      const taking = new Set(group);
      waiting.splice(0, waiting.length, ...waiting.filter((message) => !taking.has(message)));
      inFlight += group.length;
      const handed = await retryWrite(
        () => queue.handOver(workerId, group.flatMap((message) => message.resultIds), new Date()),
        (error) => strapi.log.warn(`[message-runs] ${workerId}: handing messages over failed, trying again: ${error}`)
      ).catch((error) => {
        inFlight -= group.length;
        throw error;
      });
      // A message's results move together (one claim, one lease, one Stop), so all are marked or none.
      // A result is marked once per claim: a stale copy (its claim was returned by Stop and claimed anew
      // by this worker) is refused like a lost claim.
      const refused = group.filter((message) => !message.resultIds.every((id) => handed.has(id)));
      inFlight -= refused.length;
      for (const message of group) {
        if (refused.includes(message)) continue;
        void send(message, Date.now(), timed.get(message)!);
      }
      if (refused.length) {
        // Results this worker still holds but may not hand over (their run was stopped) are queued again
        // now rather than when their lease runs out.
        await queue.release(workerId, refused.flatMap((message) => message.resultIds), new Date());
      }
    }

    /** Runs one claim or one hand-over at a time, and wakes the loop below when it is done. */
    const busy = { claiming: false, handingOver: false };
    const run = (kind: keyof typeof busy, work: () => Promise<void>) => {
      busy[kind] = true;
      work()
        .catch(fail)
        .finally(() => {
          busy[kind] = false;
          wake();
        });
    };

    for (;;) {
      if (!failure) {
        const held = waiting.length + inFlight;
        const limit = holdLimit();
        // A claim of half the limit (at most a batch) as soon as there is room for it: few claims, and
        // the next messages are rendered before the ones being sent run out.
        const claimSize = Math.min(batchSize, Math.ceil(limit / 2));
        if (!busy.claiming && !drained && Date.now() < deadline && held + claimSize <= limit) {
          run('claiming', () => claim(Math.min(batchSize, limit - held)));
        }
        if (!busy.handingOver && waiting.length && inFlight < handOverLimit()) {
          const limitedFor = limitedUntil - Date.now();
          if (limitedFor <= 0) run('handingOver', handOverToFreeConnections);
          else {
            // A timer may fire a little early: it is set again until the time has come.
            clearTimeout(limitTimer);
            limitTimer = setTimeout(() => wake(), limitedFor + 1);
          }
        }
      }
      const nothingToHandOver = failure || (!waiting.length && (drained || Date.now() >= deadline));
      if (nothingToHandOver && !busy.claiming && !busy.handingOver && !inFlight) break;
      await new Promise<void>((resolve) => {
        wake = resolve;
      });
    }
    clearTimeout(limitTimer);
    await outcomes.settle();
    // What was claimed and not handed over stays `sending` until its lease runs out; never sent twice.
    if (failure) throw failure;
  }

  /** Expired claims back to the queue, each with a `queued` entry naming the worker whose lease ran out. */
  async function requeueExpiredLeases() {
    const now = new Date();
    await repositories.ownTransaction(async (trx) => {
      const requeued = await trx.queue.requeueExpired(now, config().leaseSeconds);
      const events = requeued.map(
        ({ id, runId, worker, handedOver }): NewEvent => ({
          runId,
          resultId: id,
          type: 'queued',
          at: now,
          actor,
          // handedOver: the message may have reached the server before the worker died.
          detail: { after: 'lease-expired', worker, handedOver },
        })
      );
      await trx.events.append(events, now);
    });
  }

  async function runTick(): Promise<TickReport> {
    const { leaseSeconds } = config();
    const report: TickReport = { claimed: 0, sent: 0, retrying: 0, failed: 0, skipped: 0 };

    await requeueExpiredLeases();
    await queue.forgetOldInstances(new Date());
    const stopHeartbeat = startHeartbeat(leaseSeconds);
    try {
      await deliver(report, Date.now() + TICK_BUDGET_MS);
    } finally {
      stopHeartbeat();
    }
    for (const runId of await repositories.runs.findFinishedIds()) {
      await getService(strapi, 'runs').completeIfDone(runId, actor);
    }
    // The kept counts' delta rows written since (PostgreSQL), folded so that reading a run's stays cheap.
    await repositories.counts.compact();
    if (report.claimed) {
      await savePace();
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
