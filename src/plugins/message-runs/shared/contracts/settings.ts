/**
 * The mail settings page (admin routes `GET /settings` and `POST /settings/test-email`), shared by the
 * server and the admin. No credentials ever leave the server.
 */

export type Transport =
  | { kind: 'smtp'; host: string; port: number; secure: boolean; user: string | null }
  | { kind: 'outbox'; outboxDir: string };

/** One instance's own pace, lowered when the server throttled it and raised step by step while it accepts. */
export interface InstancePace {
  /** The instance's worker id: `host:pid:random`. */
  instance: string;
  /** Messages a second it allows itself; null: full speed (within the limits). */
  perSecond: number | null;
  lastThrottledAt: string | null;
  /** The server's answer when it last throttled this instance. */
  lastThrottle: string | null;
  updatedAt: string;
}

export interface MailSettings {
  transport: Transport;
  maxConnections: number;
  /** Messages in any 60 s window, all instances together; 0: no limit. */
  rateLimitPerMinute: number;
  /** Messages in any 1 s window, all instances together; 0: no limit. */
  rateLimitPerSecond: number;
  /** Messages in any 60 s window per recipient domain, all instances together. */
  domainRateLimits: { domain: string; perMinute: number }[];
  /** A run pauses after this many attempts in a row fail for a cause that is not the recipient; 0: never. */
  pauseAfterFailures: number;
  /** The instances that delivered or were throttled in the last hour, and when the server last throttled any. */
  pace: { lastThrottledAt: string | null; instances: InstancePace[] };
}

export namespace GetSettings {
  export interface Response {
    data: MailSettings;
  }
}

export namespace SendTestEmail {
  export interface Request {
    body: { to: string };
  }
  export interface Response {
    /** sent: the SMTP response line or where the .eml file was written; otherwise the error. */
    data: { status: 'sent'; messageId: string; response: string } | { status: 'failed'; error: string };
  }
}
