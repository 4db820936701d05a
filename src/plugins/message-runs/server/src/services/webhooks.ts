import type { Core } from '@strapi/strapi';
import { WEBHOOK_EVENTS, type ResultReason } from '../../../shared/constants';
import type { ResultWebhookPayload, RunWebhookPayload, WebhookEvent } from '../../../shared/contracts/webhooks';
import { createRepositories } from '../data/repositories';
import { getService } from '../utils';

/** A result as a result event announces it. */
export interface AnnouncedResult {
  runId: number;
  documentId: string;
  reason: string | null;
  error: string | null;
  recipient: string | null;
  messageId: string | null;
}

/**
 * The plugin's events in Strapi's webhooks (DESIGN.md §3, "Strapi webhooks"): registered with the
 * webhook store, so a webhook may subscribe to them, and emitted on Strapi's event hub, which posts
 * them to the webhooks that did. Payloads: shared/contracts/webhooks.ts.
 */
export default ({ strapi }: { strapi: Core.Strapi }) => {
  const repositories = createRepositories(strapi);

  async function emit(event: WebhookEvent, payload: RunWebhookPayload | ResultWebhookPayload) {
    try {
      await strapi.eventHub.emit(event, payload);
    } catch (error) {
      // A webhook is a notification: its failure never undoes or fails what it announces.
      strapi.log.error(`[message-runs] announcing ${event} failed: ${error}`);
    }
  }

  return {
    /** At bootstrap: e.g. `message-run.completed` under the key `MESSAGE_RUN_COMPLETED`. */
    register() {
      for (const event of Object.values(WEBHOOK_EVENTS)) {
        strapi.get('webhookStore').addAllowedEvent(event.toUpperCase().replace(/[.-]/g, '_'), event);
      }
    },

    /** `message-run.completed` or `message-run.paused`, with the run as GET /runs/:id answers it. */
    async announceRun(event: typeof WEBHOOK_EVENTS.runCompleted | typeof WEBHOOK_EVENTS.runPaused, runId: number) {
      await emit(event, { run: await getService(strapi, 'runs').findById(runId) });
    },

    /** One `message-result.failed` or `.bounced` per result; their runs' documentIds in one read. */
    async announceResults(status: 'failed' | 'bounced', results: AnnouncedResult[]) {
      if (!results.length) return;
      const event = status === 'failed' ? WEBHOOK_EVENTS.resultFailed : WEBHOOK_EVENTS.resultBounced;
      const runDocumentId = await repositories.runs.findDocumentIds([...new Set(results.map((result) => result.runId))]);
      for (const result of results) {
        await emit(event, {
          run: { documentId: runDocumentId.get(result.runId)! },
          result: {
            documentId: result.documentId,
            status,
            reason: result.reason as ResultReason | null,
            error: result.error,
            recipient: result.recipient,
            messageId: result.messageId,
          },
        });
      }
    },
  };
};
