import type { Core } from '@strapi/strapi';
import { returnPathProblem } from '../services/return-path';
import { parsePublicKey, type WebhooksConfig } from '../services/webhook-providers';

/**
 * The plugin's configuration (DESIGN.md §3): every key has a default read from env, and
 * `config/plugins.ts` → `'message-runs'.config` overrides any of them.
 */
export interface MessageRunsConfig {
  smtp: { host?: string; port: number; secure: boolean; user?: string; pass?: string };
  outboxDir: string;
  maxConnections: number;
  /** Messages in any 60 s / 1 s window, all instances together (0: no limit). */
  rateLimitPerMinute: number;
  rateLimitPerSecond: number;
  /** Messages in any 60 s window per recipient domain (lower case), all instances together. */
  domainRateLimits: Record<string, number>;
  /** A run pauses after this many attempts in a row fail for a cause that is not the recipient (0: never). */
  pauseAfterFailures: number;
  /** When a throttled or unavailable server's message is tried again (not on the retry schedule). */
  throttleRetrySeconds: number;
  cron: { enabled: boolean; rule: string };
  batchSize: number;
  leaseSeconds: number;
  retryDelays: number[];
  /** How long rendering one message may take, and how large it may be (subject, HTML and text). */
  renderTimeoutMs: number;
  renderMaxBytes: number;
  /** The envelope sender of every message, with `{token}` naming its result (unset: the From address). */
  returnPath?: string;
  /** The key that signs the return path's token, and the token that providers' webhook events echo. */
  returnPathSecret?: string;
  /** The bounce mailbox (DESIGN.md §4, "Bounce mailbox"): polled only when `url` or `host` is set. */
  bounceImap: {
    /** `imaps://user:pass@host:993/INBOX`; the other keys override its parts. */
    url?: string;
    host?: string;
    port?: number;
    secure?: boolean;
    user?: string;
    pass?: string;
    mailbox?: string;
    processedFolder: string;
    unmatchedFolder: string;
    rule: string;
  };
  /** Each mail provider's webhook secret (`POST /api/message-runs/events/:provider`); unset: that webhook is refused. */
  webhooks: WebhooksConfig;
  /** Whether each sent message's bytes are kept (DESIGN.md §4, "The message as sent"). */
  archive: boolean;
  /** Where: a private folder (`archiveDir`), or Strapi's upload provider (the operator's S3-like storage). */
  archiveStorage: 'folder' | 'upload';
  archiveDir: string;
  /** Kept messages are deleted this many days after they were sent, by the `archiveCronRule` task. */
  archiveDays: number;
  archiveCronRule: string;
  /** Test-sends (`POST /results/:id/test-send`) one admin, token or user may make in any 60 s, all instances together (0: no limit). */
  testSendsPerMinute: number;
}

/** Where the bounce mailbox is, every part resolved. */
export interface BounceImapSettings {
  host: string;
  port: number;
  secure: boolean;
  user: string;
  pass: string;
  mailbox: string;
  processedFolder: string;
  unmatchedFolder: string;
  rule: string;
}

/**
 * The bounce mailbox's settings from `bounceImap` (the URL's parts, each overridden by its own key),
 * undefined when none is configured, or what is wrong. No problem repeats the URL or the password.
 */
export function resolveBounceImap(bounceImap: MessageRunsConfig['bounceImap']): { settings?: BounceImapSettings; problems: string[] } {
  const { url, processedFolder, unmatchedFolder, rule } = bounceImap;
  if (!url && !bounceImap.host) return { problems: [] };
  const problems: string[] = [];
  let fromUrl: Partial<BounceImapSettings> = {};
  if (url) {
    let parsed: URL | undefined;
    try {
      parsed = new URL(url);
    } catch {
      parsed = undefined;
    }
    if (!parsed || !['imap:', 'imaps:'].includes(parsed.protocol) || !parsed.hostname) {
      problems.push('bounceImap.url (BOUNCE_IMAP_URL) must be imap://user:password@host:port/mailbox or imaps://…');
    } else {
      const secure = parsed.protocol === 'imaps:';
      const decode = (text: string) => (text ? decodeURIComponent(text) : undefined);
      fromUrl = {
        host: parsed.hostname,
        port: parsed.port ? Number(parsed.port) : undefined,
        secure,
        user: decode(parsed.username),
        pass: decode(parsed.password),
        mailbox: decode(parsed.pathname.replace(/^\//, '')),
      };
    }
  }
  const secure = bounceImap.secure ?? fromUrl.secure ?? (bounceImap.port ?? fromUrl.port) === 993;
  const settings: BounceImapSettings = {
    host: bounceImap.host ?? fromUrl.host ?? '',
    port: bounceImap.port ?? fromUrl.port ?? (secure ? 993 : 143),
    secure,
    user: bounceImap.user ?? fromUrl.user ?? '',
    pass: bounceImap.pass ?? fromUrl.pass ?? '',
    mailbox: bounceImap.mailbox ?? fromUrl.mailbox ?? 'INBOX',
    processedFolder,
    unmatchedFolder,
    rule,
  };
  if (!settings.host && !problems.length) problems.push('bounceImap.host (BOUNCE_IMAP_HOST) must be set');
  if (!isPositiveInt(settings.port) || settings.port > 65535) problems.push('bounceImap.port (BOUNCE_IMAP_PORT) must be 1..65535');
  if (!settings.user || !settings.pass) {
    problems.push('bounceImap needs a user and a password (in BOUNCE_IMAP_URL, or BOUNCE_IMAP_USER and BOUNCE_IMAP_PASS)');
  }
  const folders = { mailbox: settings.mailbox, processedFolder, unmatchedFolder };
  for (const [key, folder] of Object.entries(folders)) {
    if (typeof folder !== 'string' || !folder.trim()) problems.push(`bounceImap.${key} must be a folder name`);
  }
  if (new Set(Object.values(folders)).size !== 3) problems.push('bounceImap.mailbox, processedFolder and unmatchedFolder must be three different folders');
  if (typeof rule !== 'string' || !rule.trim()) problems.push('bounceImap.rule (BOUNCE_IMAP_CRON_RULE) must be a cron rule');
  return problems.length ? { problems } : { settings, problems };
}

/**
 * `gmail.com=600,outlook.com=300` → `{ 'gmail.com': 600, 'outlook.com': 300 }`. An entry that is not
 * `domain=number` is kept as written (the number NaN), for the validator to name.
 */
function parseDomainLimits(text: string): Record<string, number> {
  const entries = text
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean)
    .map((entry) => {
      const [domain, limit] = entry.split('=');
      return [domain.trim().toLowerCase(), /^\s*\d+\s*$/.test(limit ?? '') ? Number(limit) : NaN] as const;
    });
  return Object.fromEntries(entries);
}

/** `on`/`off` (or true/false); anything else is kept as written, for the validator to name. */
function parseSwitch(text: string): boolean {
  const value = text.trim().toLowerCase();
  if (['on', 'true', '1', 'yes'].includes(value)) return true;
  if (['off', 'false', '0', 'no'].includes(value)) return false;
  return text as unknown as boolean;
}

const defaults = ({ env }: Core.Config.Shared.ConfigParams): MessageRunsConfig => ({
  smtp: {
    host: env('SMTP_HOST') || undefined,
    port: env.int('SMTP_PORT', 587),
    secure: env.bool('SMTP_SECURE', false),
    user: env('SMTP_USER') || undefined,
    pass: env('SMTP_PASS') || undefined,
  },
  outboxDir: env('MESSAGE_OUTBOX_DIR', '.tmp/outbox'),
  maxConnections: env.int('SMTP_MAX_CONNECTIONS', 5),
  rateLimitPerMinute: env.int('MESSAGE_RATE_LIMIT', 0),
  rateLimitPerSecond: env.int('MESSAGE_RATE_LIMIT_PER_SECOND', 0),
  domainRateLimits: parseDomainLimits(env('MESSAGE_DOMAIN_RATE_LIMITS', '')),
  pauseAfterFailures: env.int('MESSAGE_RUNS_PAUSE_AFTER_FAILURES', 20),
  throttleRetrySeconds: env.int('MESSAGE_THROTTLE_RETRY_SECONDS', 10),
  cron: {
    enabled: env.bool('MESSAGE_RUNS_CRON', true),
    rule: env('MESSAGE_RUNS_CRON_RULE', '*/5 * * * * *'),
  },
  batchSize: 100,
  leaseSeconds: 300,
  retryDelays: [60, 300, 1800, 3600],
  renderTimeoutMs: env.int('MESSAGE_RENDER_TIMEOUT_MS', 2000),
  renderMaxBytes: env.int('MESSAGE_RENDER_MAX_BYTES', 2 * 1024 * 1024),
  returnPath: env('MESSAGE_RETURN_PATH') || undefined,
  returnPathSecret: env('MESSAGE_RETURN_PATH_SECRET') || undefined,
  bounceImap: {
    url: env('BOUNCE_IMAP_URL') || undefined,
    host: env('BOUNCE_IMAP_HOST') || undefined,
    port: env('BOUNCE_IMAP_PORT') ? env.int('BOUNCE_IMAP_PORT') : undefined,
    secure: env('BOUNCE_IMAP_SECURE') ? env.bool('BOUNCE_IMAP_SECURE') : undefined,
    user: env('BOUNCE_IMAP_USER') || undefined,
    pass: env('BOUNCE_IMAP_PASS') || undefined,
    mailbox: env('BOUNCE_IMAP_MAILBOX') || undefined,
    processedFolder: 'Processed',
    unmatchedFolder: 'Unmatched',
    rule: env('BOUNCE_IMAP_CRON_RULE', '0 * * * * *'),
  },
  webhooks: {
    mailgun: { signingKey: env('MAILGUN_WEBHOOK_SIGNING_KEY') || undefined },
    sendgrid: { publicKey: env('SENDGRID_WEBHOOK_PUBLIC_KEY') || undefined },
    postmark: { user: env('POSTMARK_WEBHOOK_USER') || undefined, password: env('POSTMARK_WEBHOOK_PASSWORD') || undefined },
  },
  archive: parseSwitch(env('MESSAGE_ARCHIVE', 'on')),
  // As set: the validator names a value that is neither (env.oneOf would silently take the default).
  archiveStorage: env('MESSAGE_ARCHIVE_STORAGE', 'folder') as MessageRunsConfig['archiveStorage'],
  archiveDir: env('MESSAGE_ARCHIVE_DIR', '.tmp/archive'),
  archiveDays: env.int('MESSAGE_ARCHIVE_DAYS', 400),
  // Hourly, at a minute no other task of the plugin uses.
  archiveCronRule: env('MESSAGE_ARCHIVE_CRON_RULE', '0 17 * * * *'),
  testSendsPerMinute: env.int('MESSAGE_TEST_SENDS_PER_MINUTE', 10),
});

const errorText = (error: unknown) => (error instanceof Error ? error.message : String(error));

/** Problems of the webhooks' secrets, each naming its variable and never its value. */
function webhookProblems(config: MessageRunsConfig): string[] {
  const { mailgun, sendgrid, postmark } = config.webhooks ?? ({} as Partial<WebhooksConfig>);
  if (!mailgun || !sendgrid || !postmark) return ['webhooks must hold mailgun, sendgrid and postmark'];
  const problems: string[] = [];
  const isUnsetOrText = (value: unknown) => value === undefined || (typeof value === 'string' && value.length > 0);
  if (!isUnsetOrText(mailgun.signingKey)) problems.push('webhooks.mailgun.signingKey (MAILGUN_WEBHOOK_SIGNING_KEY) must be a string');
  if (!isUnsetOrText(postmark.user) || !isUnsetOrText(postmark.password)) {
    problems.push('webhooks.postmark.user and .password (POSTMARK_WEBHOOK_USER, POSTMARK_WEBHOOK_PASSWORD) must be strings');
  } else if (!postmark.user !== !postmark.password) {
    problems.push('webhooks.postmark: POSTMARK_WEBHOOK_USER and POSTMARK_WEBHOOK_PASSWORD must be set together');
  }
  if (sendgrid.publicKey !== undefined) {
    try {
      if (typeof sendgrid.publicKey !== 'string') throw new Error('it must be a string');
      parsePublicKey(sendgrid.publicKey);
    } catch (error) {
      problems.push(
        `webhooks.sendgrid.publicKey (SENDGRID_WEBHOOK_PUBLIC_KEY) is not the webhook's verification key, an ECDSA public key in base64 DER as SendGrid shows it: ${errorText(error)}`
      );
    }
  }
  const configured = mailgun.signingKey || sendgrid.publicKey || (postmark.user && postmark.password);
  // The provider's event names its message by the token, which the secret signs: without it nothing would match.
  if (configured && (typeof config.returnPathSecret !== 'string' || config.returnPathSecret.length < MIN_SECRET_LENGTH)) {
    problems.push(
      `returnPathSecret (MESSAGE_RETURN_PATH_SECRET) must be set, at least ${MIN_SECRET_LENGTH} characters, when a provider webhook is: it signs the token the provider's events echo`
    );
  }
  return problems;
}

const isPositiveInt = (n: unknown) => Number.isInteger(n) && (n as number) > 0;
const isCount = (n: unknown) => Number.isInteger(n) && (n as number) >= 0;
const MIN_SECRET_LENGTH = 16;
const DOMAIN = /^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)+$/;

function validator(config: MessageRunsConfig) {
  const problems: string[] = [];
  if (!isPositiveInt(config.smtp.port) || config.smtp.port > 65535) problems.push('smtp.port must be 1..65535');
  if (!isPositiveInt(config.maxConnections)) problems.push('maxConnections must be a positive integer');
  if (!isCount(config.rateLimitPerMinute)) problems.push('rateLimitPerMinute must be 0 (no limit) or a positive integer');
  if (!isCount(config.rateLimitPerSecond)) problems.push('rateLimitPerSecond must be 0 (no limit) or a positive integer');
  if (typeof config.domainRateLimits !== 'object' || config.domainRateLimits === null) {
    problems.push('domainRateLimits must map domains to messages per minute');
  } else {
    for (const [domain, limit] of Object.entries(config.domainRateLimits)) {
      if (!DOMAIN.test(domain) || !isPositiveInt(limit)) {
        problems.push(`domainRateLimits: "${domain}=${limit}" must be a lower-case domain and a positive number of messages per minute`);
      }
    }
  }
  if (!isCount(config.pauseAfterFailures)) problems.push('pauseAfterFailures must be 0 (never pause) or a positive integer');
  if (!isPositiveInt(config.throttleRetrySeconds)) problems.push('throttleRetrySeconds must be a positive number of seconds');
  if (!isPositiveInt(config.batchSize)) problems.push('batchSize must be a positive integer');
  if (!isPositiveInt(config.leaseSeconds)) problems.push('leaseSeconds must be a positive integer');
  if (!Array.isArray(config.retryDelays) || !config.retryDelays.every(isPositiveInt)) {
    problems.push('retryDelays must be a list of positive numbers of seconds');
  }
  if (!isPositiveInt(config.renderTimeoutMs)) problems.push('renderTimeoutMs must be a positive number of milliseconds');
  if (!isPositiveInt(config.renderMaxBytes)) problems.push('renderMaxBytes must be a positive number of bytes');
  if (typeof config.cron.rule !== 'string' || !config.cron.rule.trim()) problems.push('cron.rule must be a cron rule');
  if (!config.outboxDir) problems.push('outboxDir must be a folder');
  if (config.returnPath !== undefined) {
    const problem = typeof config.returnPath === 'string' ? returnPathProblem(config.returnPath) : 'it must be a string';
    if (problem) problems.push(`returnPath (MESSAGE_RETURN_PATH): ${problem}`);
    // Without a secret anyone could forge a token, and bounces would land on the wrong results.
    if (typeof config.returnPathSecret !== 'string' || config.returnPathSecret.length < MIN_SECRET_LENGTH) {
      problems.push(
        `returnPathSecret (MESSAGE_RETURN_PATH_SECRET) must be set, at least ${MIN_SECRET_LENGTH} characters, when returnPath is: it signs the return path's token`
      );
    }
  }
  problems.push(...resolveBounceImap(config.bounceImap).problems);
  problems.push(...webhookProblems(config));
  if (typeof config.archive !== 'boolean') problems.push(`archive (MESSAGE_ARCHIVE) must be on or off, not "${config.archive}"`);
  if (!['folder', 'upload'].includes(config.archiveStorage)) {
    problems.push(`archiveStorage (MESSAGE_ARCHIVE_STORAGE) must be folder or upload, not "${config.archiveStorage}"`);
  }
  if (typeof config.archiveDir !== 'string' || !config.archiveDir) problems.push('archiveDir (MESSAGE_ARCHIVE_DIR) must be a folder');
  if (!isPositiveInt(config.archiveDays)) problems.push('archiveDays (MESSAGE_ARCHIVE_DAYS) must be a positive number of days');
  if (typeof config.archiveCronRule !== 'string' || !config.archiveCronRule.trim()) {
    problems.push('archiveCronRule (MESSAGE_ARCHIVE_CRON_RULE) must be a cron rule');
  }
  if (!isCount(config.testSendsPerMinute)) {
    problems.push('testSendsPerMinute (MESSAGE_TEST_SENDS_PER_MINUTE) must be 0 (no limit) or a positive integer');
  }
  if (problems.length) {
    throw new Error(`Invalid configuration of plugin message-runs: ${problems.join('; ')}`);
  }
}

export default { default: defaults, validator };
