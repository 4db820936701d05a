import type { Core } from '@strapi/strapi';
import type { InvoiceDocument } from '../data/message-context';
import type { ClaimedResult } from '../data/queue';
import { createRepositories } from '../data/repositories';
import type { RunForSending } from '../data/runs';
import { groupIntoMessages } from '../domain/collation';
import { skipReasonOf } from '../domain/eligibility';
import type { ComposedMessage } from '../domain/message';
import { failedOutcome, skippedOutcome } from '../domain/outcomes';
import { getService } from '../utils';
import type { MessageRunsConfig } from '../config';
import { toAttachment, zipAttachments } from './attachments';
import { returnPathFor, tokenFor } from './return-path';
import { tokenHeaders } from './webhook-providers';
import { templatesFor, type TemplateContext } from './templates';

const failed = (resultIds: number[], reason: string, error: string): ComposedMessage => ({
  resultIds,
  outcome: failedOutcome(reason, error),
});
const skipped = (resultIds: number[], reason: string): ComposedMessage => ({ resultIds, outcome: skippedOutcome(reason) });

const errorText = (error: unknown) => (error instanceof Error ? error.message : String(error));

/** A message to render and attach: the sendable results of a group, with their context and documents. */
interface PlannedMessage {
  run: RunForSending;
  resultIds: number[];
  context: TemplateContext;
  documents: InvoiceDocument[];
  attachmentName: string;
}

export default ({ strapi }: { strapi: Core.Strapi }) => {
  const repositories = createRepositories(strapi);
  const context = repositories.messageContext;

  return {
    /**
     * The messages of claimed results, with their attachments, reading the data set-wise; the render
     * thread renders them (the renderer service: within its time and size limits).
     */
    async compose(claimed: ClaimedResult[]): Promise<ComposedMessage[]> {
      const { returnPath, returnPathSecret, webhooks } = strapi.config.get('plugin::message-runs') as MessageRunsConfig;
      const runRows = await repositories.runs.findForSending([...new Set(claimed.map((result) => result.runId))]);
      const runs = new Map(runRows.map((run) => [run.id, run]));
      const ids = (pick: (result: ClaimedResult) => number | null) => [...new Set(claimed.map(pick).filter((id): id is number => id !== null))];
      const [invoices, customers, senders] = await Promise.all([
        context.invoices(ids((result) => result.invoiceId)),
        context.customers(ids((result) => result.customerId)),
        context.senders([...new Set(runRows.map((run) => run.definitionSnapshot.fromKey))]),
      ]);
      const addressesByKey = new Map<string, Map<number, { address: string; displayName: string | null }>>();
      for (const key of new Set(runRows.map((run) => run.definitionSnapshot.recipientKey))) {
        addressesByKey.set(key, await context.recipientAddresses(ids((result) => result.customerId), key));
      }
      // An address may have bounced or been suppressed since the run was created.
      const suppressed = await context.suppressed([
        ...[...addressesByKey.values()].flatMap((addresses) => [...addresses.values()].map((recipient) => recipient.address)),
        ...runRows.flatMap((run) => run.bcc ?? []),
      ]);
      const isSuppressed = (address: string) => suppressed.has(address.toLowerCase());
      const documents = await context.invoiceDocuments(
        ids((result) => result.invoiceId),
        [...new Set(runRows.flatMap((run) => run.definitionSnapshot.invoiceTransformations.map((tr) => tr.id)))]
      );

      /** What becomes of a group before rendering: outcomes for results that cannot be sent, and the message to render. */
      const plan = (group: ClaimedResult[]): { outcomes: ComposedMessage[]; message?: PlannedMessage } => {
        const resultIds = group.map((result) => result.id);
        const run = runs.get(group[0].runId)!;
        const snapshot = run.definitionSnapshot;
        const customer = customers.get(group[0].customerId!);
        const recipient = addressesByKey.get(snapshot.recipientKey)?.get(group[0].customerId!);
        // Eligibility again, on the data as it is now (domain/eligibility.ts): the recipient's first…
        const groupReason = skipReasonOf({
          'no-recipient': !customer || !recipient,
          suppressed: recipient !== undefined && isSuppressed(recipient.address),
        });
        if (groupReason || !customer || !recipient) return { outcomes: [skipped(resultIds, groupReason ?? 'no-recipient')] };
        const sender = senders.get(snapshot.fromKey);
        if (!sender) return { outcomes: [failed(resultIds, 'no-sender', `No message sender has the key "${snapshot.fromKey}"`)] };

        const runTransformations = new Set(snapshot.invoiceTransformations.map((tr) => tr.id));
        const documentsOf = (result: ClaimedResult) =>
          (documents.get(result.invoiceId!) ?? []).filter((document) => runTransformations.has(document.transformationId));
        // …then each invoice's documents.
        const undocumented = group.filter((result) =>
          skipReasonOf({
            'no-transformation-result': !result.invoiceId || !invoices.has(result.invoiceId) || !documentsOf(result).length,
          })
        );
        const sendable = group.filter((result) => !undocumented.includes(result));
        const outcomes = undocumented.length ? [skipped(undocumented.map((result) => result.id), 'no-transformation-result')] : [];
        if (!sendable.length) return { outcomes };

        const invoiceContexts = sendable.map((result) => invoices.get(result.invoiceId!)!);
        const context: TemplateContext = {
          ...customer,
          recipient,
          invoice: invoiceContexts[0],
          invoices: invoiceContexts,
          sender,
          run: { periodStart: run.periodStart, periodEnd: run.periodEnd },
        };
        const attachmentName = sendable.length === 1 ? `invoice-${invoiceContexts[0].label}.zip` : 'invoices.zip';
        return {
          outcomes,
          message: { run, resultIds: sendable.map((result) => result.id), context, documents: sendable.flatMap(documentsOf), attachmentName },
        };
      };

      const loadAttachments = async ({ run, documents: messageDocuments, attachmentName }: PlannedMessage) => {
        const attachments = await Promise.all(messageDocuments.map((document) => toAttachment(strapi, document)));
        return run.definitionSnapshot.zipAttachments ? [await zipAttachments(attachments, attachmentName.replace(/[^\w.-]+/g, '_'))] : attachments;
      };

      const plans = groupIntoMessages(claimed, (runId) => Boolean(runs.get(runId)?.definitionSnapshot.collate)).map(plan);
      const planned = plans.flatMap((p) => (p.message ? [p.message] : []));
      const chosen = planned.map(({ run, context }) => templatesFor(run.definitionSnapshot, context.customer.languageCode));
      // All messages of the call go to the render thread in one exchange, while their attachments are read.
      const [renders, attachmentLoads] = await Promise.all([
        getService(strapi, 'renderer').render(
          planned.map(({ run, context }, i) => ({
            runId: run.id,
            language: chosen[i].language,
            templates: chosen[i].templates,
            context,
          }))
        ),
        Promise.all(planned.map((message) => loadAttachments(message).then((loaded) => ({ loaded }), (error) => ({ error })))),
      ]);
      const messages = planned.map((message, i): ComposedMessage => {
        const render = renders[i];
        if ('error' in render) return failed(message.resultIds, 'render-error', render.error);
        const loaded = attachmentLoads[i];
        if ('error' in loaded) return failed(message.resultIds, 'attachment-error', errorText(loaded.error));
        const { sender, recipient } = message.context;
        const unsuppressedBcc = message.run.bcc?.filter((address) => !isSuppressed(address));
        const bcc = unsuppressedBcc?.length ? unsuppressedBcc : undefined;
        return {
          resultIds: message.resultIds,
          language: chosen[i].language,
          label: message.context.invoices.map((invoice) => invoice.label).join('+'),
          mail: {
            from: { name: sender.displayName ?? '', address: sender.email },
            to: { name: recipient.displayName ?? '', address: recipient.address },
            bcc,
            // A given envelope replaces the one nodemailer derives, so it lists every recipient.
            // A collated message is named by its first result, the one the queue claims as leader.
            ...(returnPath && {
              envelope: {
                from: returnPathFor(returnPath, message.resultIds[0], returnPathSecret!),
                to: [recipient.address, ...(bcc ?? [])],
              },
            }),
            // The token that configured providers echo in their webhook events, named as the return path names it.
            ...(returnPathSecret && { headers: tokenHeaders(webhooks, tokenFor(message.resultIds[0], returnPathSecret)) }),
            subject: render.rendered.subject,
            html: render.rendered.html,
            text: render.rendered.text,
            attachments: loaded.loaded,
          },
        };
      });
      return [...plans.flatMap((p) => p.outcomes), ...messages];
    },
  };
};
