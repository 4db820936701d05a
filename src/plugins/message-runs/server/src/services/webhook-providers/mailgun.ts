import { createHmac } from 'crypto';
import type { DeliveryReport } from '../delivery-reports';
import {
  isObject,
  MalformedPayload,
  optionalText,
  sameSecret,
  text,
  timestampProblem,
  TIMESTAMP_WINDOW_SECONDS,
  TOKEN_NAME,
  unixDate,
  type WebhookProvider,
  type WebhookRequest,
} from './common';

/**
 * Mailgun: one event per request, `{ signature: { timestamp, token, signature }, 'event-data': {...} }`.
 * `signature` is the hex HMAC-SHA256 of timestamp + token under the webhook signing key. A timestamp
 * more than 5 minutes from now is refused, and so is a token already used within those 5 minutes (by
 * this instance: the memory is per process; across instances, the event's dedupe key is what makes a
 * replay harmless).
 *
 * Events: `delivered`; `failed` with `severity` `permanent` (bounced) or `temporary` (delayed);
 * `complained`. The token comes back in `user-variables` (the `X-Mailgun-Variables` header sent), the
 * Message-ID, without angle brackets, in `message.headers['message-id']`.
 */
export const tokenHeaders = (token: string) => ({ 'X-Mailgun-Variables': JSON.stringify({ [TOKEN_NAME]: token }) });

const signatureOf = (body: unknown) => {
  const signature = isObject(body) && isObject(body.signature) ? body.signature : undefined;
  const field = (name: string) =>
    typeof signature?.[name] === 'string' || typeof signature?.[name] === 'number'
      ? String(signature[name])
      : undefined;
  return { timestamp: field('timestamp'), token: field('token'), signature: field('signature') };
};

const KINDS: Record<string, DeliveryReport['kind'] | Record<string, DeliveryReport['kind']>> = {
  delivered: 'delivered',
  failed: { permanent: 'bounced', temporary: 'delayed' },
  complained: 'complained',
};

export function mailgun(): WebhookProvider<string> {
  /** Tokens accepted within the window, with when they may be forgotten (ms). */
  const usedTokens = new Map<string, number>();
  const forgetExpired = (now: number) => {
    for (const [token, until] of usedTokens) if (until <= now) usedTokens.delete(token);
  };

  return {
    secretsOf: (config) => config.mailgun.signingKey || undefined,

    verify(request: WebhookRequest, signingKey: string, now: Date) {
      const { timestamp, token, signature } = signatureOf(request.body);
      if (!timestamp || !token || !signature) return 'the body has no signature';
      const expected = createHmac('sha256', signingKey)
        .update(timestamp + token)
        .digest('hex');
      if (!sameSecret(signature.toLowerCase(), expected)) return 'the signature does not match';
      const problem = timestampProblem(timestamp, now);
      if (problem) return problem;
      forgetExpired(now.getTime());
      if (usedTokens.has(token)) return 'the signature token was used already';
      return undefined;
    },

    accepted(request) {
      const { timestamp, token } = signatureOf(request.body);
      // Kept until its timestamp leaves the window: an older replay is refused by its timestamp.
      if (timestamp && token) usedTokens.set(token, (Number(timestamp) + TIMESTAMP_WINDOW_SECONDS) * 1000);
    },

    eventCount: () => 1,

    reportsOf(body) {
      const data = isObject(body) ? body['event-data'] : undefined;
      if (!isObject(data)) throw new MalformedPayload('event-data', 'must be an object');
      const event = text(data, 'event', 'event-data');
      const kinds = KINDS[event];
      if (!kinds) return [];
      let kind = kinds;
      if (typeof kinds !== 'string') {
        kind = kinds[String(data.severity)];
        if (!kind) throw new MalformedPayload('event-data.severity', 'must be permanent or temporary');
      }
      const at = unixDate(data, 'timestamp', 'event-data');
      const status = isObject(data['delivery-status']) ? data['delivery-status'] : {};
      const headers = isObject(data.message) && isObject(data.message.headers) ? data.message.headers : {};
      const variables = isObject(data['user-variables']) ? data['user-variables'] : {};
      return [
        {
          kind: kind as DeliveryReport['kind'],
          source: 'mailgun',
          // Mailgun's event ids are unique within a day; with the event's own time they are unique for good.
          key: `${text(data, 'id', 'event-data')}:${data.timestamp}`,
          token: optionalText(variables[TOKEN_NAME]),
          messageId: optionalText(headers['message-id']),
          recipient: optionalText(data.recipient),
          status: optionalText(status.code),
          diagnostic: optionalText(status.description) ?? optionalText(status.message) ?? optionalText(data.reason),
          at,
        },
      ];
    },
  };
}
