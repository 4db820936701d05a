/**
 * What a failed `sendMail` means for the result: worth retrying (and whether the server, not the
 * message, was the problem), or refused for good. Pure, so it is unit-tested (tests/unit/send-errors.test.ts).
 */
import type { Delivery } from './outcomes';

/**
 * nodemailer's codes for a server that could not be reached or kept (a refused connection is an
 * ESOCKET), spoken to securely, or logged in to.
 */
const UNAVAILABLE_CODES = new Set(['ECONNECTION', 'ESOCKET', 'ETIMEDOUT', 'ECONNREFUSED', 'EDNS', 'ETLS', 'EAUTH']);
/**
 * nodemailer's codes for a message that cannot go as it is, said before any server answered: no
 * recipient, larger than the server's SIZE, an attachment it may not read. Sending it again fails again.
 */
const MESSAGE_FAULT_CODES = new Set(['EENVELOPE', 'EMESSAGE', 'EMAXRECIPIENTS', 'ECONFIG', 'EFILEACCESS', 'EURLACCESS']);
/** Authentication refused or required (RFC 4954): the credentials, not the message. */
const AUTH_REPLIES = new Set([530, 534, 535, 538]);
/** "Local error", "temporary failure": what providers answer a sender going too fast. */
const THROTTLE_REPLIES = new Set([451, 454]);
/** "Service not available, closing channel": a throttle to some providers, a server going down to others. */
const SERVICE_NOT_AVAILABLE = 421;
/** "Bad sequence of commands": the session's state, not the message (RFC 5321); a new connection takes it. */
const BAD_SEQUENCE = 503;
const THROTTLE_TEXT = /throttl|rate (limit )?exceeded|exceeded .*rate|too many (messages|mails|emails|recipients|connections)|sending rate|slow down/i;

/**
 * Sorts a nodemailer error. Only a permanent reply of the server (5xx but 503), or a message nodemailer
 * itself cannot send, is final; anything else (a 4xx, a dropped connection, a message stream cut off
 * when the connection went) is retried, up to the retry policy's last attempt.
 */
export function classifySendError(thrown: unknown): Delivery {
  // What nodemailer sets on its errors; anything else thrown has none of it.
  const error = (typeof thrown === 'object' && thrown !== null ? thrown : {}) as {
    response?: string;
    message?: string;
    responseCode?: number;
    code?: string;
    command?: string;
  };
  const line = error.response || error.message || String(thrown);
  const code = Number(error.responseCode);
  if (code === SERVICE_NOT_AVAILABLE) return { status: 'transient', error: line, cause: 'unavailable', slowDown: true };
  if (THROTTLE_REPLIES.has(code) || THROTTLE_TEXT.test(line)) {
    return { status: 'transient', error: line, cause: 'throttled', slowDown: true };
  }
  if (UNAVAILABLE_CODES.has(error.code ?? '') || AUTH_REPLIES.has(code)) {
    return { status: 'transient', error: line, cause: 'unavailable' };
  }
  if (code >= 500 && code !== BAD_SEQUENCE) {
    const reason = error.code === 'EENVELOPE' || error.command === 'RCPT TO' ? 'recipient-rejected' : 'smtp-rejected';
    return { status: 'rejected', reason, error: line };
  }
  if (!code && MESSAGE_FAULT_CODES.has(error.code ?? '')) return { status: 'rejected', reason: 'smtp-rejected', error: line };
  return { status: 'transient', error: line };
}
