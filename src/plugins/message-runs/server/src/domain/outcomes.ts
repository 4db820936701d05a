/**
 * What an attempt to send comes to: the delivery as the mail thread reports it, and the outcome the
 * queue records on the results (the retry policy).
 */

/**
 * What is kept of a sent message (DESIGN.md §4, "The message as sent"): the SHA-256 of the bytes handed
 * to SMTP, and where those bytes are: `archiveKey` once written to the archive folder; `bytes` for the
 * mailer service to put through Strapi's upload provider (which lives on the main thread);
 * `archiveError` when they could not be kept (the message was sent all the same).
 */
export interface Kept {
  sha256: string;
  archiveKey?: string;
  bytes?: Uint8Array;
  archiveError?: string;
}

/**
 * What became of one message: accepted (`refusedBcc` names the Bcc addresses the server refused, with
 * its answer), worth retrying, or refused for good. A transient failure names its `cause` when the
 * server, not the message or its recipient, was the problem: it said slow down (`throttled`), or it
 * took no message at all (`unavailable`: connection refused or timed out, TLS, authentication, 421).
 * `slowDown`: the answer asks this sender to go slower (a throttle, or a 421). send-errors.ts sorts errors.
 */
export type Delivery =
  | ({ status: 'sent'; messageId: string; response: string; refusedBcc?: string } & Kept)
  | { status: 'transient'; error: string; cause?: 'throttled' | 'unavailable'; slowDown?: boolean }
  | { status: 'rejected'; reason: 'smtp-rejected' | 'recipient-rejected'; error: string };

/** What becomes of the results of one message. */
export interface Outcome {
  status: 'sent' | 'retrying' | 'failed' | 'skipped';
  reason?: string | null;
  error?: string | null;
  response?: string | null;
  messageId?: string | null;
  nextAttemptAt?: Date | null;
  /** Where the message went (the customer's address at sending time); the result's is kept without one. */
  recipient?: { address: string; name: string | null };
  /** The attempt does not count against the retry schedule: the message reached no mailbox server. */
  uncounted?: boolean;
  /** A sent message: the SHA-256 of its bytes and where they are kept (services/archive.ts). */
  sha256?: string | null;
  archiveKey?: string | null;
}

export const skippedOutcome = (reason: string): Outcome => ({ status: 'skipped', reason });
export const failedOutcome = (reason: string, error: string): Outcome => ({ status: 'failed', reason, error });

/** The retry policy's settings (config: retryDelays, throttleRetrySeconds). */
export interface RetryPolicy {
  /** Seconds before the 2nd, 3rd… attempt after a transient failure; after the last, the result fails. */
  retryDelays: number[];
  /** Seconds before trying again when the server, not the message, was the problem. */
  throttleRetrySeconds: number;
}

/**
 * The outcome of a delivery on its `attempts`th attempt: sent; failed for good when refused; when the
 * server was unavailable or throttled, soon again and not counted (it never reached a mailbox); on
 * another transient failure, again after the policy's next delay, or failed once the delays are spent.
 */
export function outcomeOf(delivery: Delivery, attempts: number, now: Date, policy: RetryPolicy): Outcome {
  if (delivery.status === 'sent') {
    const { messageId, response, refusedBcc, sha256, archiveKey } = delivery;
    return { status: 'sent', messageId, response, error: refusedBcc, sha256, archiveKey };
  }
  if (delivery.status === 'rejected') {
    return { status: 'failed', reason: delivery.reason, error: delivery.error };
  }
  if (delivery.cause) {
    return {
      status: 'retrying',
      reason: delivery.cause === 'throttled' ? 'smtp-throttled' : 'smtp-unavailable',
      error: delivery.error,
      nextAttemptAt: new Date(now.getTime() + policy.throttleRetrySeconds * 1000),
      uncounted: true,
    };
  }
  const delays = policy.retryDelays;
  if (attempts > delays.length) {
    return { status: 'failed', reason: 'smtp-transient', error: `${delivery.error} (gave up after ${attempts} attempts)` };
  }
  return {
    status: 'retrying',
    reason: 'smtp-transient',
    error: delivery.error,
    nextAttemptAt: new Date(now.getTime() + delays[attempts - 1] * 1000),
  };
}
