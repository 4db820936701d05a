/** The super admin that e2e-server.ts seeds and the browser tests log in as. */
export const E2E_ADMIN = { email: 'e2e-admin@example.com', password: 'E2e-Admin-Pass-1' };

/** e2e-server.ts's SQLite database (relative to the app), where a browser test sets up what no route can. */
export const E2E_DATABASE = '.tmp/e2e/data.db';

/** Where e2e-server.ts keeps each sent message (a test deletes one to see the panel say it is gone). */
export const E2E_ARCHIVE_DIR = '.tmp/e2e/archive';

/**
 * The Mailgun webhook signing key of e2e-server.ts, with which a browser test signs the bounces and
 * complaints it posts as Mailgun would. A key for this throwaway server only, not a secret.
 */
export const E2E_MAILGUN_SIGNING_KEY = 'e2e-mailgun-webhook-signing-key';

/**
 * Where e2e-server.ts's SMTP sink writes what it accepted, a JSON line a message: `{ from, to, head }`,
 * the envelope and the message's header block, so a browser test sees who got a message.
 */
export const E2E_SINK_LOG = '.tmp/e2e/sink.jsonl';
