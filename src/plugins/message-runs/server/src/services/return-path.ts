import { createHmac, timingSafeEqual } from 'crypto';

/**
 * The per-result return path (VERP): each message's envelope sender is the configured template with
 * `{token}` replaced by `<result id, base 36>-<MAC>`, so a bounce names its result even when a server
 * strips the original headers. The MAC is HMAC-SHA256 of the id under the secret, truncated to 16
 * base32 characters (80 bits): a token cannot be guessed or forged without the secret. Everything is
 * lower case, digits and `-`, because mail systems may change the case of a local part.
 */
const TOKEN = '{token}';
const MAC_LENGTH = 16;
const BASE32 = 'abcdefghijklmnopqrstuvwxyz234567';
const TOKEN_SHAPE = new RegExp(`^([0-9a-z]+)-([a-z2-7]{${MAC_LENGTH}})$`);
/** What a local part may hold around the token (RFC 5322 dot-atom characters). */
const LOCAL_PART = /^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]*$/;
const DOMAIN = /^[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+$/;

/** Why `template` cannot be a return path template, or undefined when it can. */
export function returnPathProblem(template: string): string | undefined {
  const parts = template.split(TOKEN);
  if (parts.length !== 2) return `"${template}" must hold exactly one {token}`;
  const [before, after] = parts;
  const at = after.indexOf('@');
  if (before.includes('@') || at < 0 || !DOMAIN.test(after.slice(at + 1))) {
    return `"${template}" must have the {token} in its local part, followed by @ and a domain`;
  }
  if (!LOCAL_PART.test(before) || !LOCAL_PART.test(after.slice(0, at))) {
    return `"${template}" has characters that a local part cannot hold unquoted`;
  }
  return undefined;
}

function base32(bytes: Buffer) {
  let text = '';
  let bits = 0;
  let value = 0;
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      text += BASE32[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
    value &= (1 << bits) - 1;
  }
  return text;
}

const macOf = (resultId: number, secret: string) =>
  base32(createHmac('sha256', secret).update(String(resultId)).digest()).slice(0, MAC_LENGTH);

/**
 * The token that names result `resultId`: `<id, base 36>-<MAC>`. It goes in the return path, and in
 * the headers a mail provider echoes in its webhook events (services/webhook-providers.ts).
 */
export const tokenFor = (resultId: number, secret: string) => `${resultId.toString(36)}-${macOf(resultId, secret)}`;

/** The result id a token names, or undefined when it is not one that `secret` signed. Case is ignored. */
export function resultIdOfToken(token: string, secret: string): number | undefined {
  const match = TOKEN_SHAPE.exec(token.trim().toLowerCase());
  if (!match) return undefined;
  const resultId = parseInt(match[1], 36);
  // Only the spelling that was issued: no leading zeros, nothing past exact integers.
  if (!Number.isSafeInteger(resultId) || resultId.toString(36) !== match[1]) return undefined;
  const valid = timingSafeEqual(Buffer.from(macOf(resultId, secret)), Buffer.from(match[2]));
  return valid ? resultId : undefined;
}

/** The return path of result `resultId`: `template` with `{token}` replaced. */
export function returnPathFor(template: string, resultId: number, secret: string): string {
  const problem = returnPathProblem(template);
  if (problem) throw new Error(problem);
  return template.replace(TOKEN, tokenFor(resultId, secret));
}

/**
 * The token part of `address` (a bare address) when it fits `template`, lower-cased, unchecked: the
 * bounce parser takes it from a bounce without the secret, and the delivery reports check its MAC.
 */
export function tokenOf(address: string, template: string): string | undefined {
  const [before, after] = template.toLowerCase().split(TOKEN);
  const text = address.trim().toLowerCase();
  if (after === undefined || text.length <= before.length + after.length || !text.startsWith(before) || !text.endsWith(after)) {
    return undefined;
  }
  return text.slice(before.length, text.length - after.length);
}

/**
 * The result id that `address` (a bare address) names, or undefined when it does not fit `template`
 * or its MAC is not the one `secret` gives. Case is ignored throughout.
 */
export function resultIdOf(address: string, template: string, secret: string): number | undefined {
  const token = tokenOf(address, template);
  return token === undefined ? undefined : resultIdOfToken(token, secret);
}
