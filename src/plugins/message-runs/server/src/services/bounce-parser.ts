import { createHash } from 'crypto';
import { simpleParser, type ParsedMail } from 'mailparser';
import type { DeliveryReport } from './delivery-reports';
import { tokenOf } from './return-path';

/**
 * Reads what a message in the bounce mailbox says (DESIGN.md §4, "Bounce mailbox"): an RFC 3464
 * delivery status notification, an ARF (RFC 5965) complaint, or a bounce in one of the common
 * non-standard text formats (Exim, qmail, old Gmail, Postfix without a report). Pure: no Strapi.
 *
 * A message that is neither (an auto-reply, spam) gives no reports; a report whose structure is
 * broken (a delivery-status part without recipients, a feedback report without Feedback-Type) gives
 * an error, and the mailbox leaves it where it is.
 */
export type BounceParse = { reports: DeliveryReport[] } | { error: string };

export interface BounceParserOptions {
  /** The return path template (`bounces+{token}@billing.example`): a bounce to it names its result. */
  returnPath?: string;
}

const PARSER_OPTIONS = {
  // The delivery-status part as an attachment, not merged into the text.
  keepDeliveryStatus: true,
  // Every embedded message as an attachment: an inline one would be merged into the text, its Message-ID lost.
  ignoreEmbedded: true,
  skipHtmlToText: true,
  skipTextToHtml: true,
  skipImageLinks: true,
  checksumAlgo: false,
} as const;

const DELIVERY_STATUS_TYPES = ['message/delivery-status', 'message/global-delivery-status'];
const FEEDBACK_TYPE = 'message/feedback-report';
const ORIGINAL_TYPES = ['message/rfc822', 'message/global', 'text/rfc822-headers', 'message/global-headers'];
/** Feedback types that are a recipient's complaint; `not-spam` and `auth-failure` are not. */
const COMPLAINT_TYPES = ['abuse', 'fraud', 'virus', 'other'];
/** Where a bounce names the address it was sent to (the return path), most specific first. */
const ENVELOPE_HEADERS = ['delivered-to', 'x-original-to', 'envelope-to', 'to'];

const ADDRESS = /[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+/g;
const MESSAGE_ID = /<[^<>\s]+@[^<>\s]+>/;
/** An enhanced status code (RFC 3463), not part of an IP address or a version. */
const ENHANCED_STATUS = /(?<![\d.])([245])\.\d{1,3}\.\d{1,3}(?![\d.])/;
/** …of a failure, in a text bounce. */
const FAILURE_STATUS = /(?<![\d.])([45])\.\d{1,3}\.\d{1,3}(?![\d.])/;
/** An SMTP reply code as a server writes it: `550 …` or `550-…`. */
const REPLY_CODE = /(?<![\d.])([45])\d\d(?=[ -])/;
/** Where a non-standard bounce starts its copy of the original message. */
const COPY_MARKER = /^\s*-{2,}\s*(?:this is a copy|below this line|original message|undelivered message)/im;
/** Signs that a text message is a bounce, so that a number in an auto-reply is not read as one. */
const BOUNCE_SENDER = /mailer-daemon|postmaster|mail delivery/i;
const BOUNCE_SUBJECT = /undeliver|delivery status notification|delivery (?:failure|failed|incomplete)|delayed mail|returned mail|failure notice|mail delivery failed|non-?delivery/i;
const BOUNCE_TEXT =
  /failed permanently|qmail-send program|created automatically by mail delivery software|this is the mail system at host|could not be delivered|wasn't able to deliver/i;

type Fields = Map<string, string>;

/** A header block (`Key: value`, continuation lines indented) split at blank lines into groups of fields. */
function fieldGroups(text: string): Fields[] {
  const groups: Fields[] = [];
  for (const block of text.replace(/\r\n/g, '\n').split(/\n[ \t]*\n/)) {
    const fields: Fields = new Map();
    let last: string | undefined;
    for (const line of block.split('\n')) {
      if (/^[ \t]/.test(line) && last) {
        fields.set(last, `${fields.get(last)} ${line.trim()}`);
        continue;
      }
      const match = /^([A-Za-z0-9-]+)[ \t]*:(.*)$/.exec(line);
      last = match ? match[1].toLowerCase() : undefined;
      if (match && !fields.has(last!)) fields.set(last!, match[2].trim());
    }
    if (fields.size) groups.push(fields);
  }
  return groups;
}

const addressesIn = (text: string | undefined) => (text ? (text.match(ADDRESS) ?? []) : []);
const messageIdIn = (text: string | undefined) => (text ? MESSAGE_ID.exec(text)?.[0] : undefined);
/** `rfc822; ann@example.com` → `ann@example.com`. */
const typedAddress = (value: string | undefined) => addressesIn(value?.replace(/^[^;]*;/, ''))[0]?.toLowerCase();
/** `smtp; 550 5.1.1 …` → `550 5.1.1 …`, on one line. */
const diagnosticOf = (value: string | undefined) => value?.replace(/^[^;]*;/, '').replace(/\s+/g, ' ').trim().slice(0, 1000) || undefined;
const validDate = (value: Date | string | undefined) => {
  const date = value instanceof Date ? value : value ? new Date(value) : undefined;
  return date && !Number.isNaN(date.getTime()) ? date : undefined;
};

/** The header block of an embedded original (a message or its headers only). */
function originalOf(mail: ParsedMail) {
  const part = mail.attachments.find((attachment) => ORIGINAL_TYPES.includes(attachment.contentType));
  if (!part) return undefined;
  const text = part.content.toString('utf8');
  return fieldGroups(text.split(/\r?\n[ \t]*\r?\n/)[0])[0];
}

export async function parseBounce(raw: Buffer, options: BounceParserOptions = {}): Promise<BounceParse> {
  let mail: ParsedMail;
  try {
    mail = await simpleParser(raw, PARSER_OPTIONS);
  } catch (error) {
    return { error: `not a readable message: ${(error as Error).message}` };
  }
  // One event per bounce message and recipient: the bounce's own Message-ID, or its bytes.
  const id = mail.messageId ?? `sha256:${createHash('sha256').update(raw).digest('hex')}`;
  const receivedAt = validDate(mail.date) ?? new Date();
  const original = originalOf(mail);
  const attachment = (types: string[]) => mail.attachments.find((part) => types.includes(part.contentType));

  const tokenOfAny = (addresses: (string | undefined)[]) => {
    if (!options.returnPath) return undefined;
    for (const address of addresses) {
      const token = address ? tokenOf(address, options.returnPath) : undefined;
      if (token) return token;
    }
    return undefined;
  };
  const envelopeAddresses = ENVELOPE_HEADERS.flatMap((key) =>
    mail.headerLines.filter((line) => line.key === key).flatMap((line) => addressesIn(line.line.slice(line.line.indexOf(':') + 1)))
  );
  const report = (fields: Omit<DeliveryReport, 'source' | 'key' | 'at'> & { at?: Date }): DeliveryReport => ({
    source: 'imap',
    key: `${id}|${fields.recipient ?? ''}`,
    ...fields,
    at: fields.at ?? receivedAt,
  });

  const reportType = String((mail.headers.get('content-type') as { params?: Record<string, string> } | undefined)?.params?.['report-type'] ?? '').toLowerCase();
  const feedback = attachment([FEEDBACK_TYPE]);
  if (feedback || reportType === 'feedback-report') {
    const fields = feedback ? fieldGroups(feedback.content.toString('utf8'))[0] : undefined;
    const type = fields?.get('feedback-type')?.toLowerCase();
    if (!fields || !type) return { error: 'a feedback report without a Feedback-Type' };
    if (!COMPLAINT_TYPES.includes(type)) return { reports: [] };
    const recipient =
      addressesIn(fields.get('original-rcpt-to'))[0] ?? addressesIn(fields.get('removal-recipient'))[0] ?? addressesIn(original?.get('to'))[0];
    const userAgent = fields.get('user-agent');
    return {
      reports: [
        report({
          kind: 'complained',
          token: tokenOfAny([...envelopeAddresses, ...addressesIn(fields.get('original-mail-from')), ...addressesIn(original?.get('return-path'))]),
          messageId: messageIdIn(original?.get('message-id')),
          recipient: recipient?.toLowerCase(),
          diagnostic: `Feedback-Type: ${type}${userAgent ? ` (${userAgent})` : ''}`,
        }),
      ],
    };
  }

  const status = attachment(DELIVERY_STATUS_TYPES);
  if (status || reportType === 'delivery-status') {
    const [perMessage, ...groups] = status ? fieldGroups(status.content.toString('utf8')) : [];
    const recipients = groups.filter((group) => group.has('action') || group.has('final-recipient'));
    if (!perMessage || !recipients.length) return { error: 'a delivery status notification without recipient fields' };
    const token = tokenOfAny([
      ...envelopeAddresses,
      ...addressesIn(perMessage.get('x-postfix-sender')),
      ...addressesIn(original?.get('return-path')),
    ]);
    const messageId = messageIdIn(original?.get('message-id')) ?? messageIdIn(perMessage.get('x-original-message-id'));
    const reports: DeliveryReport[] = [];
    for (const group of recipients) {
      const action = group.get('action')?.toLowerCase();
      const kind = action === 'failed' ? 'bounced' : action === 'delayed' ? 'delayed' : action === 'delivered' ? 'delivered' : undefined;
      if (action === 'relayed' || action === 'expanded') continue;
      if (!kind) return { error: `a delivery status notification with Action "${action ?? ''}"` };
      const diagnostic = diagnosticOf(group.get('diagnostic-code'));
      reports.push(
        report({
          kind,
          token,
          messageId,
          recipient: typedAddress(group.get('final-recipient')) ?? typedAddress(group.get('original-recipient')),
          status: ENHANCED_STATUS.exec(group.get('status') ?? '')?.[0] ?? ENHANCED_STATUS.exec(diagnostic ?? '')?.[0],
          diagnostic,
          at: validDate(group.get('last-attempt-date')),
        })
      );
    }
    return { reports };
  }

  return { reports: textBounce(mail, envelopeAddresses, tokenOfAny, report) };
}

/**
 * A bounce in plain text: the first SMTP reply (or enhanced status) code in the text before the copy
 * of the original gives the kind (5 → bounced, 4 → delayed) and the diagnostic; the recipient is in
 * X-Failed-Recipients or the first other address of that text; the original's Return-Path and
 * Message-ID are in the copy.
 */
function textBounce(
  mail: ParsedMail,
  envelopeAddresses: string[],
  tokenOfAny: (addresses: (string | undefined)[]) => string | undefined,
  report: (fields: Omit<DeliveryReport, 'source' | 'key' | 'at'>) => DeliveryReport
): DeliveryReport[] {
  const text = mail.text ?? '';
  const isBounce = BOUNCE_SENDER.test(mail.from?.text ?? '') || BOUNCE_SUBJECT.test(mail.subject ?? '') || BOUNCE_TEXT.test(text);
  if (!isBounce) return [];
  const copyAt = text.search(COPY_MARKER);
  const notice = copyAt < 0 ? text : text.slice(0, copyAt);
  const copy = copyAt < 0 ? '' : text.slice(copyAt);

  const paragraph = notice.split(/\n[ \t]*\n/).find((block) => REPLY_CODE.test(block) || FAILURE_STATUS.test(block));
  if (!paragraph) return [];
  const reply = REPLY_CODE.exec(paragraph);
  const enhanced = FAILURE_STATUS.exec(paragraph);
  const status = enhanced?.[0] ?? reply![0];
  const diagnostic = paragraph
    .slice(reply ? reply.index : enhanced!.index)
    .replace(/\s+/g, ' ')
    .trim()
    .slice(0, 1000);

  const own = new Set([...envelopeAddresses, ...addressesIn(mail.from?.text)].map((address) => address.toLowerCase()));
  const failed = addressesIn(mail.headers.get('x-failed-recipients') as string | undefined);
  const recipients = (
    failed.length ? failed : addressesIn(notice).filter((address) => !own.has(address.toLowerCase()) && !/^(mailer-daemon|postmaster)@/i.test(address)).slice(0, 1)
  ).map((address) => address.toLowerCase());
  const original = mail.attachments.find((attachment) => ORIGINAL_TYPES.includes(attachment.contentType))?.content.toString('utf8') ?? copy;
  const token = tokenOfAny([...envelopeAddresses, ...addressesIn(/^Return-Path:(.*)$/im.exec(original)?.[1])]);
  const messageId = messageIdIn(/^Message-ID:(.*)$/im.exec(original)?.[1]);

  return (recipients.length ? recipients : [undefined]).map((recipient) =>
    report({ kind: status.startsWith('5') ? 'bounced' : 'delayed', token, messageId, recipient, status, diagnostic })
  );
}
