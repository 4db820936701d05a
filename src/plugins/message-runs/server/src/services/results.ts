import { createHash } from 'crypto';
import { Readable } from 'stream';
import type { Core } from '@strapi/strapi';
import { errors } from '@strapi/utils';
import {
  TEST_SEND_HEADER,
  type PreviewResult,
  type Result,
  type ResultSortKey,
  type ResendResults,
  type RemoveResults,
  type TestSendResult,
} from '../../../shared/contracts/results';
import type { Actor } from '../../../shared/contracts/events';
import { resolveDialect } from '../data/dialect';
import {
  appendEvents,
  appendRunEvent,
  findTestSendTimes,
  insertResendEvents,
  subjectKey,
  testSendKey,
} from '../data/events';
import { findArchivedMessage } from '../data/archive';
import { loadSuppressed } from '../data/message-context';
import { findMessageResults } from '../data/queue';
import {
  countFilteredResults,
  deleteResults,
  findResultsPage,
  iterateResults,
  locateResults,
  requeueResults,
  type ResultFilter,
  type ResultRow,
  type ResultSelection,
} from '../data/results';
import { resolveTables } from '../data/tables';
import { fieldError, IntegrityError, MailServerError, nameFew, notFound } from '../errors';
import type { MessageRunsConfig } from '../config';
import { getService, SERVER_ACTOR, toIsoTimestamp } from '../utils';
import { eligibilityOf, type RunRow } from './runs';

export const toResult = (row: ResultRow): Result => ({
  documentId: row.documentId,
  status: row.status,
  reason: row.reason ?? null,
  error: row.error ?? null,
  recipient: row.recipient ?? null,
  attempts: Number(row.attempts ?? 0),
  lastAttemptAt: toIsoTimestamp(row.lastAttemptAt),
  nextAttemptAt: toIsoTimestamp(row.nextAttemptAt),
  sentAt: toIsoTimestamp(row.sentAt),
  deliveredAt: toIsoTimestamp(row.deliveredAt),
  messageId: row.messageId ?? null,
  sha256: row.sha256 ?? null,
  invoice: row.invoiceDocumentId
    ? {
        documentId: row.invoiceDocumentId,
        number: row.invoiceNumber ?? null,
        label: row.invoiceNumber ?? 'Concept',
        periodStart: row.invoicePeriodStart,
        periodEnd: row.invoicePeriodEnd,
      }
    : null,
  customer: row.customerDocumentId
    ? { documentId: row.customerDocumentId, code: row.customerCode, name: row.customerName }
    : null,
});

const CSV_COLUMNS: [string, (result: Result) => unknown][] = [
  ['result', (r) => r.documentId],
  ['status', (r) => r.status],
  ['reason', (r) => r.reason],
  ['error', (r) => r.error],
  ['invoice', (r) => r.invoice?.label],
  ['periodStart', (r) => r.invoice?.periodStart],
  ['periodEnd', (r) => r.invoice?.periodEnd],
  ['customerCode', (r) => r.customer?.code],
  ['customerName', (r) => r.customer?.name],
  ['recipient', (r) => r.recipient],
  ['attempts', (r) => r.attempts],
  ['lastAttemptAt', (r) => r.lastAttemptAt],
  ['sentAt', (r) => r.sentAt],
  ['deliveredAt', (r) => r.deliveredAt],
  ['messageId', (r) => r.messageId],
];

/** RFC 4180 field; a leading = + - @ is defused so a spreadsheet does not run it as a formula. */
const csvField = (value: unknown) => {
  if (value === null || value === undefined) return '';
  let text = String(value);
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
};
const csvLine = (fields: unknown[]) => `${fields.map(csvField).join(',')}\r\n`;
const UTF8_BOM = '\ufeff';

/**
 * "Monthly-invoice-2026-11-29-results.csv": the definition and the day the run was created, which an
 * admin recognises in a downloads folder, and the statuses the export was filtered by.
 */
function exportFilename(run: RunRow, filter: ResultFilter) {
  const words = (text: string) => text.replace(/[^\p{L}\p{N}]+/gu, '-').replace(/^-+|-+$/g, '');
  const parts = [words(run.definitionSnapshot.name) || 'message-run', run.createdAt.slice(0, 10), ...(filter.statuses ?? []), 'results'];
  return `${parts.join('-')}.csv`;
}

const RATE_WINDOW_MS = 60_000;

export default ({ strapi }: { strapi: Core.Strapi }) => {
  const tables = () => resolveTables(strapi);
  const knex = () => strapi.db.connection;
  const runs = () => getService(strapi, 'runs');

  /** Refuses ids that are unknown or belong to another run, naming them. */
  async function assertResultsOfRun(runId: number, documentIds: string[]) {
    const { otherRun, unknown } = await locateResults(knex(), tables(), runId, documentIds);
    if (otherRun.length) {
      throw fieldError('ids', `hold results of another run: ${nameFew(otherRun)}`);
    }
    if (unknown.length) {
      throw fieldError('ids', `hold unknown results: ${nameFew(unknown)}`);
    }
  }

  const toSelection = (body: { ids?: string[]; status?: any[] }): ResultSelection =>
    body.ids ? { documentIds: body.ids } : { statuses: body.status! };

  /** A result with the others its message carries (a collated run's), or 404. */
  async function findResult(resultDocumentId: string) {
    const found = await findMessageResults(knex(), tables(), resultDocumentId);
    if (!found) throw notFound('message result', resultDocumentId);
    return found;
  }

  /**
   * The message the queue would send for the result now (the delivery's own composition and render
   * thread), or a 400 saying why it would send none: skipped, or failed with the render error.
   */
  async function composeNow(found: Awaited<ReturnType<typeof findResult>>) {
    // A skipped result is in no message (a collated one leaves it out): there is nothing to show or send.
    if ('skipped' in found) {
      throw new errors.ValidationError(`This result is skipped (${found.skipped.reason}): no message is sent for it`, {
        status: 'skipped',
        reason: found.skipped.reason,
      });
    }
    const { requestedId, group } = found;
    const messages = await getService(strapi, 'messages').compose(group);
    const message = messages.find((composed) => composed.resultIds.includes(requestedId))!;
    if ('outcome' in message) {
      const { status, reason, error } = message.outcome;
      throw new errors.ValidationError(
        `This result would not be sent: it would be ${status} (${reason})${error ? `: ${error}` : ''}`,
        { status, reason }
      );
    }
    // The message's results are of one run: the group's.
    return { runId: group[0].runId, message };
  }

  /** 429 once the actor made `testSendsPerMinute` test-sends in the last 60 s, with the seconds until the oldest leaves the window. */
  async function assertTestSendAllowed(actor: Actor, now: Date) {
    const { testSendsPerMinute: limit } = strapi.config.get('plugin::message-runs') as MessageRunsConfig;
    if (!limit) return;
    const times = await findTestSendTimes(knex(), tables(), actor, new Date(now.getTime() - RATE_WINDOW_MS));
    if (times.length < limit) return;
    const freeAt = times[times.length - limit].getTime() + RATE_WINDOW_MS;
    const retryAfter = Math.max(1, Math.ceil((freeAt - now.getTime()) / 1000));
    throw new errors.RateLimitError(
      `At most ${limit} test-sends a minute (MESSAGE_TEST_SENDS_PER_MINUTE); try again in ${retryAfter} s`,
      { limit, retryAfter }
    );
  }

  return {
    async findPage(
      runDocumentId: string,
      filter: ResultFilter,
      page: { page: number; pageSize: number; sort: { key: ResultSortKey; order: 'asc' | 'desc' } }
    ) {
      const run = await runs().findRunRow(runDocumentId);
      const counts = (await getService(strapi, 'counts').ofRuns([run.id])).get(run.id)!;
      const [rows, total] = await Promise.all([
        findResultsPage(knex(), tables(), run.id, filter, page),
        countFilteredResults(knex(), tables(), run.id, filter, counts),
      ]);
      return {
        results: rows.map(toResult),
        pagination: { page: page.page, pageSize: page.pageSize, pageCount: Math.ceil(total / page.pageSize), total },
        counts,
      };
    },

    /**
     * The run's results as CSV, streamed a batch at a time. The answer's status is sent with the first
     * line, so a batch that fails later cannot become an error response: the export ends with a line
     * saying it is incomplete (the cause goes to the log), rather than as a stream that never ends.
     */
    async exportCsv(runDocumentId: string, filter: ResultFilter) {
      const run = await runs().findRunRow(runDocumentId);
      const rows = iterateResults(knex(), tables(), run.id, filter);
      async function* lines() {
        // A byte-order mark: Excel reads a CSV without one in the computer's code page ("SchÃ¤fer").
        yield `${UTF8_BOM}${csvLine(CSV_COLUMNS.map(([name]) => name))}`;
        let exported = 0;
        try {
          for await (const row of rows) {
            const result = toResult(row);
            yield csvLine(CSV_COLUMNS.map(([, field]) => field(result)));
            exported += 1;
          }
        } catch (error) {
          strapi.log.error(
            `[message-runs] exporting the results of run ${runDocumentId} failed after ${exported} rows: ${(error as Error).stack ?? error}`
          );
          yield `# export failed: a server error stopped it after ${exported} results; this file is incomplete\r\n`;
        }
      }
      return { filename: exportFilename(run, filter), stream: Readable.from(lines()) };
    },

    /** Queues results again, each with its `resent` entry and the run with one, in one transaction. */
    async resend(
      runDocumentId: string,
      body: { ids?: string[]; status?: any[] },
      actor: Actor = SERVER_ACTOR
    ): Promise<ResendResults.Response['data']> {
      const run = await runs().findRunRow(runDocumentId);
      if (body.ids) await assertResultsOfRun(run.id, body.ids);
      const now = new Date();
      const dialect = resolveDialect(strapi);
      const answer = await strapi.db.transaction(async ({ trx }) => {
        const updated = await requeueResults(
          trx,
          tables(),
          run.id,
          toSelection(body),
          eligibilityOf(run.definitionSnapshot),
          now
        );
        await insertResendEvents(
          trx,
          tables(),
          dialect,
          updated.map((row) => row.id),
          actor,
          now
        );
        const requeued = updated.filter((row) => row.status === 'queued').length;
        const counts = {
          requeued,
          skipped: updated.length - requeued,
          suppressed: updated.filter((row) => row.reason === 'suppressed').length,
          inFlight: body.ids ? body.ids.length - updated.length : 0,
        };
        await appendRunEvent(
          trx,
          tables(),
          dialect,
          { runId: run.id, type: 'resent', at: now, actor, detail: counts },
          now
        );
        return counts;
      });
      getService(strapi, 'counts').forget(run.id);
      if (answer.requeued) await runs().reopen(run.id);
      return answer;
    },

    /**
     * One attachment (1-based `position`, as the preview lists them) of the message the queue would
     * send now: the PDF an admin checks before sending, read from storage (zipped, if the definition zips).
     */
    async attachment(resultDocumentId: string, position: number) {
      const { message } = await composeNow(await findResult(resultDocumentId));
      const attachment = message.mail.attachments[position - 1];
      if (!attachment) {
        const count = message.mail.attachments.length;
        throw new errors.NotFoundError(
          `The message of result ${resultDocumentId} has ${count} attachment${count === 1 ? '' : 's'}, not a number ${position}`
        );
      }
      return { filename: attachment.filename, contentType: attachment.contentType, content: attachment.content };
    },

    /** The message of a result (with, in a collated run, the customer's other results), rendered; nothing is sent. */
    async preview(resultDocumentId: string): Promise<PreviewResult.Response['data']> {
      const { message } = await composeNow(await findResult(resultDocumentId));
      const { mail } = message;
      const formatAddress = (address: any) => (address.name ? `${address.name} <${address.address}>` : address.address);
      return {
        from: formatAddress(mail.from),
        to: formatAddress(mail.to),
        bcc: (mail.bcc as string[] | undefined) ?? [],
        subject: mail.subject!,
        language: message.language,
        html: String(mail.html),
        text: mail.text ? String(mail.text) : null,
        attachments: mail.attachments.map(({ filename, contentType, content }) => ({
          filename,
          contentType,
          size: content.length,
        })),
      };
    },

    /**
     * Sends the result's message as the queue would send it now only to `to`: no Bcc, no customer, and
     * none of what names the result to delivery reports (the return path's token, a provider's token
     * header), so a test's bounce cannot mark the result; marked with TEST_SEND_HEADER instead. The
     * result stays as it was; its history gets a `test-sent` entry.
     */
    async testSend(resultDocumentId: string, to: string[], actor: Actor = SERVER_ACTOR): Promise<TestSendResult.Response['data']> {
      const found = await findResult(resultDocumentId);
      const suppressed = await loadSuppressed(knex(), tables(), to);
      const refused = to.filter((address) => suppressed.has(address.toLowerCase()));
      if (refused.length) throw fieldError('to', `holds addresses on the suppression list: ${nameFew(refused)}`);
      await assertTestSendAllowed(actor, new Date());
      const { runId, message } = await composeNow(found);
      const { bcc: _bcc, envelope: _envelope, headers: _tokens, ...mail } = message.mail;
      const delivery = await getService(strapi, 'mailer').send(
        { ...mail, to, headers: { [TEST_SEND_HEADER]: 'true' } },
        { label: `test-${message.label}` }
      );
      if (delivery.status !== 'sent') throw new MailServerError(`The mail server did not take the test message: ${delivery.error}`);
      const sentAt = new Date();
      await appendEvents(
        knex(),
        tables(),
        resolveDialect(strapi),
        [
          {
            runId,
            resultId: found.requestedId,
            type: 'test-sent',
            at: sentAt,
            actor,
            detail: { to, messageId: delivery.messageId },
            dedupeKey: testSendKey(actor, sentAt),
          },
        ],
        sentAt
      );
      return { to, messageId: delivery.messageId, sentAt: sentAt.toISOString() };
    },

    /**
     * The message of a sent result exactly as it was handed to SMTP, checked against the SHA-256
     * recorded then, with a file name from its invoice. 404 says why there is none: never sent, not
     * kept (the archive was off, or could not write it), or deleted after `archiveDays`.
     */
    async message(resultDocumentId: string): Promise<{ bytes: Buffer; filename: string }> {
      const found = await findArchivedMessage(knex(), tables(), resultDocumentId);
      if (!found) throw notFound('message result', resultDocumentId);
      const { status, sha256, archiveKey, invoiceNumber } = found;
      const sentAt = toIsoTimestamp(found.sentAt);
      const none = (why: string) => new errors.NotFoundError(`Result ${resultDocumentId} has no kept message: ${why}`, { status, sentAt });
      if (!sha256) throw none(`it was never sent (it is ${status})`);
      const bytes = archiveKey ? await getService(strapi, 'archive').read(archiveKey) : undefined;
      if (!bytes) {
        const { archiveDays } = strapi.config.get('plugin::message-runs') as MessageRunsConfig;
        const expired = sentAt !== null && Date.parse(sentAt) < Date.now() - archiveDays * 24 * 3600 * 1000;
        if (expired) throw none(`it was sent at ${sentAt} and deleted after ${archiveDays} day${archiveDays === 1 ? '' : 's'} (MESSAGE_ARCHIVE_DAYS)`);
        if (archiveKey) throw none(`it was sent at ${sentAt}, and its copy is no longer in the archive storage`);
        throw none(`it was sent at ${sentAt} and not kept: the archive was off (MESSAGE_ARCHIVE) or could not write it`);
      }
      const actual = createHash('sha256').update(bytes).digest('hex');
      if (actual !== sha256) {
        throw new IntegrityError(
          `The kept message of result ${resultDocumentId} is not the one sent: its SHA-256 is ${actual}, the one recorded when it was sent ${sha256}`
        );
      }
      return { bytes, filename: `${(invoiceNumber ?? resultDocumentId).replace(/[^\w.-]+/g, '_')}.eml` };
    },

    /** Deletes results; their history stays, with a `removed` entry each, and the run's `removed` entry. */
    async remove(
      runDocumentId: string,
      ids: string[],
      actor: Actor = SERVER_ACTOR
    ): Promise<RemoveResults.Response['data']> {
      const run = await runs().findRunRow(runDocumentId);
      await assertResultsOfRun(run.id, ids);
      const now = new Date();
      const dialect = resolveDialect(strapi);
      const answer = await strapi.db.transaction(async ({ trx }) => {
        const removed = await deleteResults(trx, tables(), run.id, { documentIds: ids });
        const events = removed.map(({ id, documentId }) => ({
          runId: run.id,
          resultId: id,
          type: 'removed',
          at: now,
          actor,
          dedupeKey: subjectKey('result', documentId),
        }));
        await appendEvents(trx, tables(), dialect, events, now);
        const counts = { removed: removed.length, inFlight: ids.length - removed.length };
        await appendRunEvent(
          trx,
          tables(),
          dialect,
          { runId: run.id, type: 'removed', at: now, actor, detail: counts },
          now
        );
        return counts;
      });
      getService(strapi, 'counts').forget(run.id);
      return answer;
    },
  };
};
