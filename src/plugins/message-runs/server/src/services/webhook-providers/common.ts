import { createHash, timingSafeEqual } from 'crypto';
import type { IncomingHttpHeaders } from 'http';
import type { DeliveryReport } from '../delivery-reports';

/** What a provider's check reads of a request: its headers, its parsed JSON body, and the body's text as received. */
export interface WebhookRequest {
  headers: IncomingHttpHeaders;
  body: unknown;
  /** The body as it arrived (koa-body's `includeUnparsed`), for signatures over its bytes. */
  rawBody?: string;
}

/**
 * One mail provider's webhook (DESIGN.md §4, "Provider webhooks"): whether its secret is configured,
 * its check of a request, and the delivery reports of a body it vouched for.
 */
export interface WebhookProvider<Secrets = unknown> {
  secretsOf(config: WebhooksConfig): Secrets | undefined;
  /** Why the request is not the provider's (a missing, wrong or stale signature), or undefined when it is. */
  verify(request: WebhookRequest, secrets: Secrets, now: Date): string | undefined;
  /** Called once the request's reports are applied (Mailgun remembers the token it used). */
  accepted?(request: WebhookRequest): void;
  /** The reports of the body's events; events of other types give none. Throws MalformedPayload. */
  reportsOf(body: unknown): DeliveryReport[];
  /** How many events the body holds (the batch bound is checked before anything is read further). */
  eventCount(body: unknown): number;
  /** Sent with a 401 (a `WWW-Authenticate` challenge), for clients that send credentials only when asked. */
  challenge?: string;
}

/** `plugin::message-runs.webhooks` (DESIGN.md §3): each provider's secret, unset when its webhook is not used. */
export interface WebhooksConfig {
  mailgun: { signingKey?: string };
  sendgrid: { publicKey?: string };
  postmark: { user?: string; password?: string };
}

/** The per-result token's name in every provider's echoed variables (services/return-path.ts makes the token). */
export const TOKEN_NAME = 'message_run_token';

/** How far a signed timestamp may be from now, either way: old ones are replays, future ones forged or skewed. */
export const TIMESTAMP_WINDOW_SECONDS = 5 * 60;

/** A body that is not what the provider documents: a 400 naming where, with nothing applied. */
export class MalformedPayload extends Error {
  name = 'MalformedPayload';
  constructor(
    public path: string,
    public problem: string
  ) {
    super(`${path} ${problem}`);
  }
}

export const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** A string field of `object`, required: refused as malformed when missing or not a string. */
export function text(object: Record<string, unknown>, name: string, path: string): string {
  const value = object[name];
  if (typeof value !== 'string' || !value) throw new MalformedPayload(`${path}.${name}`, 'must be a non-empty string');
  return value;
}

/** An optional string (or number, as codes come) field, as text. */
export const optionalText = (value: unknown): string | undefined =>
  typeof value === 'string' && value
    ? value
    : typeof value === 'number' && Number.isFinite(value)
      ? String(value)
      : undefined;

/** A date from an ISO 8601 string, refused as malformed when it is not one. */
export function isoDate(object: Record<string, unknown>, name: string, path: string): Date {
  const date = new Date(text(object, name, path));
  if (Number.isNaN(date.getTime())) throw new MalformedPayload(`${path}.${name}`, 'must be an ISO 8601 date');
  return date;
}

/** A date from Unix seconds (Mailgun's has a fraction), refused as malformed when it is not a number. */
export function unixDate(object: Record<string, unknown>, name: string, path: string): Date {
  const value = object[name];
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new MalformedPayload(`${path}.${name}`, 'must be a time in Unix seconds');
  }
  return new Date(value * 1000);
}

/**
 * Whether two secrets match, in time that does not depend on where they differ nor on their length
 * (both are hashed first, so timingSafeEqual always compares 32 bytes).
 */
export const sameSecret = (given: string, expected: string) =>
  timingSafeEqual(createHash('sha256').update(given).digest(), createHash('sha256').update(expected).digest());

/** A signed Unix-seconds timestamp's problem, or undefined when it is within the window of now. */
export function timestampProblem(timestamp: string, now: Date): string | undefined {
  if (!/^\d{1,12}$/.test(timestamp)) return 'the signature timestamp is not a time in Unix seconds';
  const skew = Number(timestamp) - now.getTime() / 1000;
  if (skew < -TIMESTAMP_WINDOW_SECONDS) return 'the signature timestamp is older than 5 minutes';
  if (skew > TIMESTAMP_WINDOW_SECONDS) return 'the signature timestamp is more than 5 minutes ahead';
  return undefined;
}

/** A header's single value (Node joins repeated ones, or gives an array for a few). */
export const header = (request: WebhookRequest, name: string) => {
  const value = request.headers[name.toLowerCase()];
  return Array.isArray(value) ? value[0] : value;
};
