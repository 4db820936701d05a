import type Mail from 'nodemailer/lib/mailer';
import type { Core } from '@strapi/strapi';
import { RUN_UID } from '../../../shared/constants';
import type { ClaimedResult, Outcome } from '../data/queue';
import { loadCustomers, loadInvoiceDocuments, loadInvoices, loadRecipientAddresses, loadSenders } from '../data/message-context';
import { resolveTables } from '../data/tables';
import { toAttachment, zipAttachments, type Attachment } from './attachments';
import { compileTemplates, type TemplateContext } from './renderer';
import type { DefinitionSnapshot } from './runs';

/** One message to send for some results (one, or a customer's results of a collated run), or why not. */
export type ComposedMessage =
  | { resultIds: number[]; mail: Omit<Mail.Options, 'attachments'> & { attachments: Attachment[] } }
  | { resultIds: number[]; outcome: Outcome };

interface RunForSending {
  id: number;
  definitionSnapshot: DefinitionSnapshot;
  bcc: string[] | null;
  periodStart: string;
  periodEnd: string;
}

const failed = (resultIds: number[], reason: string, error: string): ComposedMessage => ({
  resultIds,
  outcome: { status: 'failed', reason, error },
});
const skipped = (resultIds: number[], reason: string): ComposedMessage => ({
  resultIds,
  outcome: { status: 'skipped', reason },
});

const errorText = (error: unknown) => (error instanceof Error ? error.message : String(error));

/** Groups claimed results into messages: one per result, or per customer and recipient with `collate`. */
function groupResults(claimed: ClaimedResult[], runs: Map<number, RunForSending>) {
  const groups = new Map<string, ClaimedResult[]>();
  for (const result of claimed) {
    const collate = runs.get(result.runId)?.definitionSnapshot.collate;
    const key = collate ? `${result.runId}:${result.customerId}` : `result:${result.id}`;
    groups.set(key, [...(groups.get(key) ?? []), result]);
  }
  return [...groups.values()];
}

export default ({ strapi }: { strapi: Core.Strapi }) => {
  const compiledByRun = new Map<number, ReturnType<typeof compileTemplates>>();
  const knex = () => strapi.db.connection;

  /** The run's templates, compiled once per run (a run's definition is frozen). */
  function templatesOf(run: RunForSending) {
    let compiled = compiledByRun.get(run.id);
    if (!compiled) {
      if (compiledByRun.size > 100) compiledByRun.clear();
      compiled = compileTemplates(run.definitionSnapshot);
      compiledByRun.set(run.id, compiled);
    }
    return compiled;
  }

  return {
    /** Renders the messages of claimed results, with their attachments, reading the data set-wise. */
    async compose(claimed: ClaimedResult[]): Promise<ComposedMessage[]> {
      const t = resolveTables(strapi);
      const runRows: RunForSending[] = await strapi.db.query(RUN_UID).findMany({
        where: { id: { $in: [...new Set(claimed.map((result) => result.runId))] } },
        select: ['id', 'definitionSnapshot', 'bcc', 'periodStart', 'periodEnd'],
      });
      const runs = new Map(runRows.map((run) => [run.id, run]));
      const ids = (pick: (result: ClaimedResult) => number | null) => [...new Set(claimed.map(pick).filter((id): id is number => id !== null))];
      const [invoices, customers, senders] = await Promise.all([
        loadInvoices(knex(), t, ids((result) => result.invoiceId)),
        loadCustomers(knex(), t, ids((result) => result.customerId)),
        loadSenders(knex(), t, [...new Set(runRows.map((run) => run.definitionSnapshot.fromKey))]),
      ]);
      const addressesByKey = new Map<string, Map<number, { address: string; displayName: string | null }>>();
      for (const key of new Set(runRows.map((run) => run.definitionSnapshot.recipientKey))) {
        addressesByKey.set(key, await loadRecipientAddresses(knex(), t, ids((result) => result.customerId), key));
      }
      const documents = await loadInvoiceDocuments(
        knex(),
        t,
        ids((result) => result.invoiceId),
        [...new Set(runRows.flatMap((run) => run.definitionSnapshot.invoiceTransformations.map((tr) => tr.id)))]
      );

      const compose = async (group: ClaimedResult[]): Promise<ComposedMessage[]> => {
        const resultIds = group.map((result) => result.id);
        const run = runs.get(group[0].runId)!;
        const snapshot = run.definitionSnapshot;
        const customer = customers.get(group[0].customerId!);
        const recipient = addressesByKey.get(snapshot.recipientKey)?.get(group[0].customerId!);
        if (!customer || !recipient) return [skipped(resultIds, 'no-recipient')];
        const sender = senders.get(snapshot.fromKey);
        if (!sender) return [failed(resultIds, 'no-sender', `No message sender has the key "${snapshot.fromKey}"`)];

        const runTransformations = new Set(snapshot.invoiceTransformations.map((tr) => tr.id));
        const documentsOf = (result: ClaimedResult) =>
          (documents.get(result.invoiceId!) ?? []).filter((document) => runTransformations.has(document.transformationId));
        const undocumented = group.filter((result) => !result.invoiceId || !invoices.has(result.invoiceId) || !documentsOf(result).length);
        const sendable = group.filter((result) => !undocumented.includes(result));
        const outcomes: ComposedMessage[] = undocumented.length
          ? [skipped(undocumented.map((result) => result.id), 'no-transformation-result')]
          : [];
        if (!sendable.length) return outcomes;
        const sendableIds = sendable.map((result) => result.id);

        const invoiceContexts = sendable.map((result) => invoices.get(result.invoiceId!)!);
        const context: TemplateContext = {
          ...customer,
          recipient,
          invoice: invoiceContexts[0],
          invoices: invoiceContexts,
          sender,
          run: { periodStart: run.periodStart, periodEnd: run.periodEnd },
        };
        let rendered;
        try {
          rendered = templatesOf(run)(context);
        } catch (error) {
          return [...outcomes, failed(sendableIds, 'render-error', errorText(error))];
        }
        let attachments: Attachment[];
        try {
          attachments = await Promise.all(sendable.flatMap(documentsOf).map((document) => toAttachment(strapi, document)));
          if (snapshot.zipAttachments) {
            const name = sendable.length === 1 ? `invoice-${invoiceContexts[0].label}.zip` : 'invoices.zip';
            attachments = [await zipAttachments(attachments, name.replace(/[^\w.-]+/g, '_'))];
          }
        } catch (error) {
          return [...outcomes, failed(sendableIds, 'attachment-error', errorText(error))];
        }
        return [
          ...outcomes,
          {
            resultIds: sendableIds,
            mail: {
              from: { name: sender.displayName ?? '', address: sender.email },
              to: { name: recipient.displayName ?? '', address: recipient.address },
              bcc: run.bcc?.length ? run.bcc : undefined,
              subject: rendered.subject,
              html: rendered.html,
              text: rendered.text,
              attachments,
            },
          },
        ];
      };

      const composed = await Promise.all(groupResults(claimed, runs).map(compose));
      return composed.flat();
    },
  };
};
