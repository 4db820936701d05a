import { createHash, randomUUID } from 'crypto';
import type { Core } from '@strapi/strapi';
import { errors } from '@strapi/utils';
import type { KeyRef } from '../data/idempotency-keys';
import { createRepositories } from '../data/repositories';

/** How long a key's first answer is replayed, and kept (DESIGN.md §3, "Retrying safely"). */
const KEY_RETENTION_MS = 24 * 3600 * 1000;
/**
 * A key still pending this long after its request began was left by an instance that died mid-request:
 * a retry of the same request takes it over. Far longer than any of the routes takes.
 */
const ABANDONED_AFTER_MS = 5 * 60 * 1000;
/** How long a repeat waits for the first request's answer before it is told 409, and how often it looks. */
const WAIT_MS = 5000;
const POLL_MS = 100;
const MAX_KEY_LENGTH = 255;
// Printable ASCII and beyond; no control characters (Node refuses most of them in headers, not the tab).
const KEY_PATTERN = /^[^\x00-\x1f\x7f]+$/;

export interface Answer {
  status: number;
  /** The JSON body, or null for none. */
  body: unknown;
}

/** What to do with a request that carries a key. */
export type Claim =
  | { kind: 'act'; holder: string }
  | { kind: 'replay'; answer: Answer }
  | { kind: 'other-request' }
  | { kind: 'in-progress' };

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** JSON with every object's keys in order: the same body however its client ordered it. */
const canonicalJson = (value: unknown): string =>
  JSON.stringify(value ?? null, (_key, member) =>
    member && typeof member === 'object' && !Array.isArray(member)
      ? Object.fromEntries(Object.keys(member).sort().map((name) => [name, member[name]]))
      : member
  );

/** The request a key was sent with: its method, its path and its body. */
export const requestFingerprint = (method: string, path: string, body: unknown) =>
  createHash('sha256').update(canonicalJson([method.toUpperCase(), path, body])).digest('hex');

/** The header's value, or a 400 naming what is wrong with it. */
export function validKey(value: string | string[]): string {
  const key = Array.isArray(value) ? value.join(', ') : value;
  if (!key) throw new errors.ValidationError('Idempotency-Key must not be empty');
  if (key.length > MAX_KEY_LENGTH) throw new errors.ValidationError(`Idempotency-Key must be at most ${MAX_KEY_LENGTH} characters`);
  if (!KEY_PATTERN.test(key)) throw new errors.ValidationError('Idempotency-Key must not contain control characters');
  return key;
}

/**
 * Idempotency keys (DESIGN.md §3, "Retrying safely"): the first request with a key acts and its answer
 * is stored; a repeat within 24 hours gets that answer. Kept in the database, so any instance replays.
 */
export default ({ strapi }: { strapi: Core.Strapi }) => {
  const keys = createRepositories(strapi).idempotencyKeys;

  return {
    /**
     * Decides what a request with `ref` does: act (it has the key), replay the first answer, or be refused
     * because the key came with another request or its first request is still under way (after waiting
     * for it up to WAIT_MS).
     */
    async claim(ref: KeyRef, fingerprint: string): Promise<Claim> {
      const holder = randomUUID();
      const deadline = Date.now() + WAIT_MS;
      for (;;) {
        const now = new Date();
        const won = await keys.claim(ref, fingerprint, holder, {
          now,
          expiredBefore: new Date(now.getTime() - KEY_RETENTION_MS),
          abandonedBefore: new Date(now.getTime() - ABANDONED_AFTER_MS),
        });
        if (won) return { kind: 'act', holder };
        const stored = await keys.read(ref);
        // Gone between the two statements: its request failed and gave it up; claim it again.
        if (!stored) continue;
        if (stored.fingerprint !== fingerprint) return { kind: 'other-request' };
        if (stored.responseStatus !== null) {
          return { kind: 'replay', answer: { status: stored.responseStatus, body: JSON.parse(stored.responseBody ?? 'null') } };
        }
        if (Date.now() >= deadline) return { kind: 'in-progress' };
        await sleep(POLL_MS);
      }
    },

    /** Stores the answer of the request that acted, for its repeats. */
    record(ref: KeyRef, holder: string, answer: Answer) {
      return keys.recordAnswer(ref, holder, answer.status, JSON.stringify(answer.body ?? null), new Date());
    },

    /** The request that had the key stored no answer (a server error): a retry acts. */
    release(ref: KeyRef, holder: string) {
      return keys.release(ref, holder);
    },

    /** Deletes the keys older than 24 hours; how many. */
    purge(now = new Date()) {
      return keys.deleteBefore(new Date(now.getTime() - KEY_RETENTION_MS));
    },
  };
};
