import { createPublicKey, verify, type KeyObject } from 'crypto';
import type { DeliveryReport } from '../delivery-reports';
import {
  header,
  isObject,
  MalformedPayload,
  optionalText,
  text,
  timestampProblem,
  TOKEN_NAME,
  unixDate,
  type WebhookProvider,
} from './common';

/**
 * SendGrid's signed Event Webhook: a JSON array of events per request. The
 * `X-Twilio-Email-Event-Webhook-Signature` header is a base64 ECDSA (P-256, SHA-256, DER) signature of
 * the `X-Twilio-Email-Event-Webhook-Timestamp` header followed by the body's bytes as sent, verified
 * with the webhook's public key (base64 DER SubjectPublicKeyInfo, as SendGrid shows it). A timestamp
 * more than 5 minutes from now is refused.
 *
 * Events: `delivered`; `bounce` (`type` `bounce`: bounced; `blocked`, which SendGrid calls temporary:
 * delayed); `dropped` (see DROPPED); `deferred` (delayed); `spamreport` (complained). The token comes
 * back as a top-level field of each event (the `unique_args` of the `X-SMTPAPI` header sent).
 */
export const tokenHeaders = (token: string) => ({
  'X-SMTPAPI': JSON.stringify({ unique_args: { [TOKEN_NAME]: token } }),
});

export const SIGNATURE_HEADER = 'X-Twilio-Email-Event-Webhook-Signature';
export const TIMESTAMP_HEADER = 'X-Twilio-Email-Event-Webhook-Timestamp';

/** The public key of `SENDGRID_WEBHOOK_PUBLIC_KEY`; throws when it is not an EC public key in base64 DER. */
export function parsePublicKey(base64Der: string): KeyObject {
  const der = Buffer.from(base64Der.replace(/\s+/g, ''), 'base64');
  const key = createPublicKey({ key: der, format: 'der', type: 'spki' });
  if (key.asymmetricKeyType !== 'ec')
    throw new Error(`it is a ${key.asymmetricKeyType} key, not an elliptic-curve (ECDSA) one`);
  return key;
}

/**
 * Why SendGrid dropped a message (it never sent it): an address it will not deliver to is bounced
 * here too, so later messages are skipped visibly instead of dropped silently there; a recipient who
 * reported spam before is a complaint; the other reasons (spam content, an invalid X-SMTPAPI header,
 * the account's quota) are about the message or the account, not the address: history only.
 */
const DROPPED: Record<string, DeliveryReport['kind']> = {
  'Bounced Address': 'bounced',
  Invalid: 'bounced',
  'Unsubscribed Address': 'bounced',
  'Spam Reporting Address': 'complained',
};

function kindOf(event: Record<string, unknown>): DeliveryReport['kind'] | undefined {
  switch (event.event) {
    case 'delivered':
      return 'delivered';
    case 'bounce':
      return event.type === 'blocked' ? 'delayed' : 'bounced';
    case 'dropped':
      return DROPPED[String(event.reason)] ?? 'delayed';
    case 'deferred':
      return 'delayed';
    case 'spamreport':
      return 'complained';
    default:
      return undefined;
  }
}

export function sendgrid(): WebhookProvider<KeyObject> {
  const keys = new Map<string, KeyObject>();

  return {
    secretsOf(config) {
      const { publicKey } = config.sendgrid;
      if (!publicKey) return undefined;
      if (!keys.has(publicKey)) keys.set(publicKey, parsePublicKey(publicKey));
      return keys.get(publicKey);
    },

    verify(request, publicKey, now) {
      const signature = header(request, SIGNATURE_HEADER);
      const timestamp = header(request, TIMESTAMP_HEADER);
      if (!signature || !timestamp) return 'the request has no signature';
      // Signed are the bytes as sent: JSON parsed and written again would differ (spacing, escapes, key order).
      if (request.rawBody === undefined) return 'the body is not JSON as sent';
      const signed = Buffer.concat([Buffer.from(timestamp, 'utf8'), Buffer.from(request.rawBody, 'utf8')]);
      let valid = false;
      try {
        valid = verify('sha256', signed, publicKey, Buffer.from(signature, 'base64'));
      } catch {
        // A signature that is not DER at all: as invalid as a wrong one.
      }
      if (!valid) return 'the signature does not match';
      return timestampProblem(timestamp, now);
    },

    eventCount: (body) => (Array.isArray(body) ? body.length : 0),

    reportsOf(body) {
      if (!Array.isArray(body)) throw new MalformedPayload('body', 'must be a JSON array of events');
      return body.flatMap((event, i): DeliveryReport[] => {
        const path = `[${i}]`;
        if (!isObject(event)) throw new MalformedPayload(path, 'must be an event object');
        text(event, 'event', path);
        const kind = kindOf(event);
        if (!kind) return [];
        return [
          {
            kind,
            source: 'sendgrid',
            key: text(event, 'sg_event_id', path),
            token: optionalText(event[TOKEN_NAME]),
            recipient: optionalText(event.email),
            status: optionalText(event.status),
            diagnostic: optionalText(event.reason) ?? optionalText(event.response),
            at: unixDate(event, 'timestamp', path),
          },
        ];
      });
    },
  };
}
