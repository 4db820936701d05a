import { createHash } from 'crypto';
import { Readable } from 'stream';
import type { Core } from '@strapi/strapi';
import { errors } from '@strapi/utils';
import {
  TEST_SEND_HEADER,
  type PreviewResult,
  type Result,
  type ResendResults,
  type RemoveResults,
  type TestSendResult,
} from '../../../shared/contracts/results';
import type { ResultStatus, RunEventType } from '../../../shared/constants';
import type { Actor } from '../../../shared/contracts/events';
import { subjectKey, testSendKey } from '../data/events';
import { createRepositories, type Repositories } from '../data/repositories';
import { REQUEUE_BATCH, type ResultFilter, type ResultRow, type ResultSelection } from '../data/results';
import type { RunRow } from '../data/runs';
import { encodeResultsCursor, type ResultsAfter, type ResultSort } from '../domain/results-cursor';
import { eligibilityOf } from '../domain/definition';
import { fieldError, IntegrityError, MailServerError, nameFew, notFound } from '../errors';
import type { MessageRunsConfig } from '../config';
import { getService, SERVER_ACTOR, toIsoTimestamp } from '../utils';
import { csvLine, UTF8_BOM } from '../utils/csv';

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
  const repositories = createRepositories(strapi);
  const runs = () => getService(strapi, 'runs');

  /** Refuses ids that are unknown or belong to another run, naming them. */
  async function assertResultsOfRun(runId: number, documentIds: string[]) {
    const { otherRun, unknown } = await repositories.results.locate(runId, documentIds);
    if (otherRun.length) {
      throw fieldError('ids', `hold results of another run: ${nameFew(otherRun)}`);
    }
    if (unknown.length) {
      throw fieldError('ids', `hold unknown results: ${nameFew(unknown)}`);
    }
  }

  const toSelection = (body: { ids?: string[]; status?: ResultStatus[] }): ResultSelection =>
    body.ids ? { documentIds: body.ids } : { statuses: body.status ?? [] };

  /**
   * Resend and Remove: the run's results change in one transaction with their entries, and the run
   * gets one entry with the counts `change` returns; its kept counts change with them.
   */
  async function changeResults<Counts extends Record<string, number>>(
    run: RunRow,
    type: Extract<RunEventType, 'resent' | 'removed'>,
    actor: Actor,
    change: (trx: Repositories, now: Date) => Promise<Counts>
  ) {
    const now = new Date();
    const counts = await repositories.transaction(async (trx) => {
      const counted = await change(trx, now);
      await trx.events.appendRun({ runId: run.id, type, at: now, actor, detail: counted }, now);
      return counted;
    });
    return counts;
  }

  /** A result with the others its message carries (a collated run's), or 404. */
  async function findResult(resultDocumentId: string) {
    const found = await repositories.results.findMessageResults(resultDocumentId);
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
    const times = await repositories.events.findTestSendTimes(actor, new Date(now.getTime() - RATE_WINDOW_MS));
    if (times.length < limit) return;
    const freeAt = times[times.length - limit].getTime() + RATE_WINDOW_MS;
    const retryAfter = Math.max(1, Math.ceil((freeAt - now.getTime()) / 1000));
    throw new errors.RateLimitError(
      `At most ${limit} test-sends a minute (MESSAGE_TEST_SENDS_PER_MINUTE); try again in ${retryAfter} s`,
      { limit, retryAfter }
    );
  }

  return {
    /** A page by number, or the one after a cursor's row; with the next page's cursor (null on the last). */
    async findPage(
      runDocumentId: string,
      filter: ResultFilter,
      { sort, pageSize, ...start }: { sort: ResultSort; pageSize: number } & ({ page: number } | { after: ResultsAfter })
    ) {
      const run = await runs().findRunRow(runDocumentId);
      const counts = (await repositories.counts.ofRuns([run.id])).get(run.id)!;
      const position = 'after' in start ? start : { offset: (start.page - 1) * pageSize };
      const [rows, total] = await Promise.all([
        // One row more than the page says whether a next page exists.
        repositories.results.findPage(run.id, filter, { sort, position, limit: pageSize + 1 }),
        repositories.results.countFiltered(run.id, filter, counts),
      ]);
      const last = rows.length > pageSize ? rows[pageSize - 1] : undefined;
      return {
        results: rows.slice(0, pageSize).map(toResult),
        pagination: { page: 'page' in start ? start.page : null, pageSize, pageCount: Math.ceil(total / pageSize), total },
        cursor: last ? encodeResultsCursor(sort, filter, { value: last.sortValue, id: Number(last.id) }) : null,
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
      const rows = repositories.results.iterate(run.id, filter);
      async function* lines() {
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
      body: { ids?: string[]; status?: ResultStatus[] },
      actor: Actor = SERVER_ACTOR
    ): Promise<ResendResults.Response['data']> {
      const run = await runs().findRunRow(runDocumentId);
      if (body.ids) await assertResultsOfRun(run.id, body.ids);
      const answer = await changeResults(run, 'resent', actor, async (trx, now) => {
        const tally = { requeued: 0, skipped: 0, suppressed: 0, inFlight: 0 };
        const selection = toSelection(body);
        const eligibility = eligibilityOf(run.definitionSnapshot);
        let changed = 0;
        // A batch at a time, in this one transaction: a resend of a whole large run stays atomic and
        // holds one batch of ids in memory, not the run.
        for (let afterId = 0; ; ) {
          const ids = await trx.results.findRequeueBatch(run.id, selection, afterId);
          if (!ids.length) break;
          const updated = await trx.results.requeue(run.id, ids, eligibility, now);
          await trx.events.insertResend(
            updated.map((row) => row.id),
            actor,
            now
          );
          changed += updated.length;
          const requeued = updated.filter((row) => row.status === 'queued').length;
          tally.requeued += requeued;
          tally.skipped += updated.length - requeued;
          tally.suppressed += updated.filter((row) => row.reason === 'suppressed').length;
          if (ids.length < REQUEUE_BATCH) break;
          afterId = ids[ids.length - 1];
        }
        tally.inFlight = body.ids ? body.ids.length - changed : 0;
        return tally;
      });
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
      const formatAddress = ({ name, address }: { name: string; address: string }) => (name ? `${name} <${address}>` : address);
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
      const suppressed = await repositories.messageContext.suppressed(to);
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
      await repositories.events.append(
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
      const found = await repositories.results.findArchivedMessage(resultDocumentId);
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
      return changeResults(run, 'removed', actor, async (trx, now) => {
        const removed = await trx.results.delete(run.id, { documentIds: ids });
        const events = removed.map(({ id, documentId }) => ({
          runId: run.id,
          resultId: id,
          type: 'removed',
          at: now,
          actor,
          dedupeKey: subjectKey('result', documentId),
        }));
        await trx.events.append(events, now);
        return { removed: removed.length, inFlight: ids.length - removed.length };
      });
    },
  };
};
