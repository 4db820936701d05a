/**
 * When each message may go to SMTP: the rate limits' spacing, and this instance's own pace after the
 * server throttled it. Pure functions and state; the shared state lives in `data/send-pacers.ts`.
 *
 * A limit of N messages per window W is kept by spacing the messages (W + GUARD_MS) / N apart, across
 * all instances: every window of W then holds at most N, and no second more than twice its share, with
 * GUARD_MS to spare for a message that reaches the server a little later or earlier than its time
 * (the pool's connection, the thread's timer). A message limited by its recipient domain takes the
 * first time both the cluster-wide and its domain's spacing allow; one whose domain is not free yet
 * is passed over, so the others go on.
 */
import type { MessageRunsConfig } from '../config';

export const GUARD_MS = 250;
/** The scope of the cluster-wide limits, and of a domain's. */
export const ALL = 'all';
export const domainScope = (domain: string) => `domain:${domain}`;

/** Milliseconds between two messages of each limited scope; a scope absent or 0 has no limit. */
export type Spacing = Record<string, number>;

export function spacingOf(config: Pick<MessageRunsConfig, 'rateLimitPerMinute' | 'rateLimitPerSecond' | 'domainRateLimits'>): Spacing {
  const spacing: Spacing = {};
  const all = Math.max(
    config.rateLimitPerMinute ? (60_000 + GUARD_MS) / config.rateLimitPerMinute : 0,
    config.rateLimitPerSecond ? (1_000 + GUARD_MS) / config.rateLimitPerSecond : 0
  );
  if (all) spacing[ALL] = all;
  for (const [domain, perMinute] of Object.entries(config.domainRateLimits)) {
    spacing[domainScope(domain)] = (60_000 + GUARD_MS) / perMinute;
  }
  return spacing;
}

/** The lower-case domain of an address, or undefined without one. */
export const domainOf = (address: string | undefined) => address?.split('@').pop()?.toLowerCase() || undefined;

/** The limited scopes a message to these addresses falls under: `all` (when limited) and its limited domains. */
export function scopesOf(addresses: string[], spacing: Spacing): string[] {
  const scopes = new Set<string>();
  if (spacing[ALL]) scopes.add(ALL);
  for (const address of addresses) {
    const scope = domainScope(domainOf(address) ?? '');
    if (spacing[scope]) scopes.add(scope);
  }
  return [...scopes];
}

export interface Assignment {
  /** Each message's time (ms since the epoch), or null: not within the horizon, or past `max`. */
  times: (number | null)[];
  /** For a message passed over because of its domain: when its domain is free. */
  domainFreeAt: (number | undefined)[];
  /** The scopes' next free times after these messages. */
  nextAt: Record<string, number>;
  /** When the first message passed over may get a time; undefined when every message got one. */
  retryAt?: number;
  /** This instance's next free time under its own pace. */
  localNextAt: number;
}

/**
 * Gives the messages, in order, the earliest times their scopes allow from `now`, each scope's
 * messages `spacing` apart and this instance's `localSpacing` apart, up to `now + horizon` and to
 * `max` messages. A message whose domain is not free before the cluster-wide time is passed over
 * (null) and takes nothing.
 */
export function assignTimes({
  max,
  scopes,
  nextAt,
  spacing,
  localNextAt,
  localSpacing,
  now,
  horizon,
}: {
  max: number;
  /** each message's limited scopes */
  scopes: string[][];
  nextAt: Record<string, number>;
  spacing: Spacing;
  localNextAt: number;
  localSpacing: number;
  now: number;
  horizon: number;
}): Assignment {
  const next = { ...nextAt };
  const step = Math.max(spacing[ALL] ?? 0, localSpacing);
  let time = Math.max(now, localNextAt, next[ALL] ?? 0);
  let retryAt: number | undefined;
  let localNext = localNextAt;
  let granted = 0;
  const domainFreeAt: (number | undefined)[] = [];
  const times = scopes.map((messageScopes, index) => {
    if (granted >= max) return null;
    if (time >= now + horizon) {
      retryAt = Math.min(retryAt ?? Infinity, time);
      return null;
    }
    const domainsFreeAt = Math.max(0, ...messageScopes.filter((scope) => scope !== ALL).map((scope) => next[scope] ?? 0));
    if (domainsFreeAt > time) {
      retryAt = Math.min(retryAt ?? Infinity, domainsFreeAt);
      domainFreeAt[index] = domainsFreeAt;
      return null;
    }
    for (const scope of messageScopes) next[scope] = time + spacing[scope];
    localNext = time + localSpacing;
    granted++;
    const given = time;
    time += step;
    return given;
  });
  return { times, domainFreeAt, nextAt: next, retryAt, localNextAt: localNext };
}

/** Never slower than this after throttling (messages a second). */
const SLOWEST_PACE = 1;
/**
 * Throttles answered within this time of a halving answer messages sent before it: they halve nothing
 * more (as TCP halves once per round trip).
 */
const HALVING_COOLDOWN_MS = 1000;
/** Back at full speed from half of it within about this many seconds of accepted messages. */
const RECOVERY_SECONDS = 10;

/**
 * This instance's own pace: halved when the server throttles (from the rate it was sending at; once a
 * second at most), then raised while the server accepts, by a step for every second's worth of
 * accepted messages, back to full speed once it reaches the rate of the first throttle (additive
 * increase, multiplicative decrease). The step is 1/(2 × RECOVERY_SECONDS) of that rate (at least one
 * message a second), so a single halving is made up in about RECOVERY_SECONDS.
 */
export function instancePace() {
  let perSecond: number | null = null;
  let ceiling = 0;
  let lastThrottledAt: Date | null = null;
  let lastThrottle: string | null = null;
  let lastHalvedAt = -Infinity;
  return {
    /** The server said slow down; `sendingRate` is what this instance sent at (messages a second). */
    throttled(answer: string, sendingRate: number, now: Date) {
      lastThrottledAt = now;
      lastThrottle = answer;
      if (now.getTime() - lastHalvedAt < HALVING_COOLDOWN_MS) return;
      lastHalvedAt = now.getTime();
      if (perSecond === null) ceiling = sendingRate;
      perSecond = Math.max(SLOWEST_PACE, (perSecond ?? sendingRate) / 2);
    },
    /** The server accepted a message. Returns whether the pace went back to full speed. */
    accepted() {
      if (perSecond === null) return false;
      const step = Math.max(1, ceiling / (2 * RECOVERY_SECONDS));
      perSecond += step / perSecond;
      if (perSecond < ceiling) return false;
      perSecond = null;
      return true;
    },
    /** Milliseconds between two of this instance's messages; 0 at full speed. */
    spacing: () => (perSecond === null ? 0 : 1000 / perSecond),
    perSecond: () => perSecond,
    record: () => ({ perSecond, lastThrottledAt, lastThrottle }),
  };
}
