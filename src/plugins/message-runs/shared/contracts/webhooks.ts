/**
 * What the plugin's Strapi webhooks post (DESIGN.md §3, "Strapi webhooks"). Strapi adds `event` (one of
 * WEBHOOK_EVENTS) and `createdAt` to each payload, and sends the header `X-Strapi-Event`.
 */
import type { ResultReason, WEBHOOK_EVENTS } from '../constants';
import type { Run } from './runs';

export type WebhookEvent = (typeof WEBHOOK_EVENTS)[keyof typeof WEBHOOK_EVENTS];

/** `message-run.completed`, `message-run.paused`: the run as GET /runs/:id answers it. */
export interface RunWebhookPayload {
  run: Run;
}

/** `message-result.failed` (once per failure for good, never per retry), `message-result.bounced`. */
export interface ResultWebhookPayload {
  run: { documentId: string };
  result: {
    documentId: string;
    status: 'failed' | 'bounced';
    /** The failure's reason; null for a bounce (its DSN status is in `error`). */
    reason: ResultReason | null;
    /** The SMTP answer, or the bounce's status code and diagnostic. */
    error: string | null;
    recipient: string | null;
    messageId: string | null;
  };
}

/** The body a webhook's URL receives. */
export type WebhookBody<Payload extends RunWebhookPayload | ResultWebhookPayload> = Payload & {
  event: WebhookEvent;
  createdAt: string;
};
