import type { DeliveryReport } from '../delivery-reports';
import {
  header,
  isObject,
  isoDate,
  optionalText,
  sameSecret,
  text,
  MalformedPayload,
  type WebhookProvider,
} from './common';

/**
 * Postmark: one event per request, authenticated by HTTP basic auth (the user and password set in the
 * webhook's URL or its HTTP Auth settings), compared in constant time. Postmark signs nothing else.
 *
 * Events by `RecordType`: `Delivery` (delivered), `Bounce` (by `Type`, see kindOfBounce),
 * `SpamComplaint` (complained). The token comes back in `Metadata` (the `X-PM-Metadata-…` header
 * sent); `MessageID` is Postmark's own id, not the message's Message-ID. Postmark gives a delivery no
 * event id, so an event's key is its record type, bounce id, MessageID, time and recipient.
 */
const METADATA_KEY = 'message-run-token';
export const tokenHeaders = (token: string) => ({ [`X-PM-Metadata-${METADATA_KEY}`]: token });

/** Bounce types that are no failure to deliver: an automatic reply, a list request, a relay probe. */
const NOT_FAILURES = new Set(['AutoResponder', 'Unsubscribe', 'Subscribe', 'AddressChange', 'OpenRelayTest']);
/** Bounce types that say the address takes no mail (Postmark deactivates it). */
const PERMANENT = new Set(['HardBounce', 'BadEmailAddress', 'ManuallyDeactivated']);

/**
 * A bounce record's kind: permanent types, and any bounce after which Postmark made the address
 * inactive (it sends nothing more there), are bounced; a spam complaint posted as a bounce is a
 * complaint; the rest (Transient, SoftBounce, DnsError, Blocked, SpamNotification, Unknown, …) are
 * temporary or about the message, not the address: history only.
 */
function kindOfBounce(record: Record<string, unknown>): DeliveryReport['kind'] | undefined {
  const type = String(record.Type);
  if (type === 'SpamComplaint') return 'complained';
  if (NOT_FAILURES.has(type)) return undefined;
  return PERMANENT.has(type) || record.Inactive === true ? 'bounced' : 'delayed';
}

export function postmark(): WebhookProvider<{ user: string; password: string }> {
  return {
    secretsOf: ({ postmark: { user, password } }) => (user && password ? { user, password } : undefined),

    verify(request, secrets) {
      const match = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header(request, 'authorization') ?? '');
      if (!match) return 'the request has no basic auth credentials';
      const credentials = Buffer.from(match[1], 'base64').toString('utf8');
      const colon = credentials.indexOf(':');
      const user = colon < 0 ? credentials : credentials.slice(0, colon);
      const password = colon < 0 ? '' : credentials.slice(colon + 1);
      // Both compared, always: which one differs takes no more time to find out.
      const sameUser = sameSecret(user, secrets.user);
      const samePassword = sameSecret(password, secrets.password);
      return sameUser && samePassword ? undefined : 'the credentials do not match';
    },

    challenge: 'Basic realm="message-runs", charset="UTF-8"',

    eventCount: () => 1,

    reportsOf(body) {
      if (!isObject(body)) throw new MalformedPayload('body', 'must be a JSON object');
      const recordType = text(body, 'RecordType', 'body');
      const kind =
        recordType === 'Delivery'
          ? 'delivered'
          : recordType === 'SpamComplaint'
            ? 'complained'
            : recordType === 'Bounce'
              ? kindOfBounce(body)
              : undefined;
      if (!kind) return [];
      const messageId = text(body, 'MessageID', 'body');
      const delivery = recordType === 'Delivery';
      const recipient = text(body, delivery ? 'Recipient' : 'Email', 'body');
      const timeField = delivery ? 'DeliveredAt' : 'BouncedAt';
      const at = isoDate(body, timeField, 'body');
      const metadata = isObject(body.Metadata) ? body.Metadata : {};
      return [
        {
          kind,
          source: 'postmark',
          key: [recordType, optionalText(body.ID) ?? '', messageId, body[timeField], recipient.toLowerCase()].join(':'),
          token: optionalText(metadata[METADATA_KEY]),
          recipient,
          status: delivery ? undefined : optionalText(body.Type),
          diagnostic: optionalText(body.Details) ?? optionalText(body.Description),
          at,
        },
      ];
    },
  };
}
