/**
 * Request and response shapes of the result routes (DESIGN.md §3), shared by the server and the admin.
 */
import type { ResultReason, ResultStatus } from '../constants';
import type { Pagination, ResultCounts } from './runs';

export interface Result {
  documentId: string;
  status: ResultStatus;
  reason: ResultReason | null;
  error: string | null;
  recipient: string | null;
  attempts: number;
  lastAttemptAt: string | null;
  nextAttemptAt: string | null;
  sentAt: string | null;
  /** When a mail provider reported the message delivered (null without a provider's webhook). */
  deliveredAt: string | null;
  messageId: string | null;
  /**
   * SHA-256 (hex) of the message's bytes as handed to SMTP (null until sent); `GET /results/:id/message`
   * returns those bytes while they are kept. The results of a collated message share it.
   */
  sha256: string | null;
  invoice: { documentId: string; number: string | null; label: string; periodStart: string; periodEnd: string } | null;
  customer: { documentId: string; code: string; name: string } | null;
}

/** Sortable columns of the results list: `sort=<key>:asc|desc`. */
export const RESULT_SORT_KEYS = [
  'createdAt',
  'status',
  'recipient',
  'attempts',
  'lastAttemptAt',
  'sentAt',
  'invoice.number',
  'customer.code',
  'customer.name',
] as const;
export type ResultSortKey = (typeof RESULT_SORT_KEYS)[number];

export const MAX_RESULTS_PAGE_SIZE = 200;

export namespace GetResults {
  export interface Request {
    /**
     * A page by number (`page`), or the one after a cursor (`cursor`, a previous answer's
     * `meta.cursor`, with the same status, q and sort): not both.
     */
    query: { status?: string; q?: string; page?: number; cursor?: string; pageSize?: number; sort?: string };
  }
  export interface Response {
    data: Result[];
    /**
     * pagination.page: null for a page asked by cursor. cursor: the next page's (null on the last).
     * counts: the whole run's results per status (not only the filtered ones), for a page that refreshes both.
     */
    meta: {
      pagination: Omit<Pagination, 'page'> & { page: number | null };
      cursor: string | null;
      counts: ResultCounts;
    };
  }
}

export namespace ResendResults {
  export interface Request {
    body: { ids: string[] } | { status: ResultStatus[] };
  }
  export interface Response {
    /**
     * requeued: queued again; skipped: still skipped (see their reason), of which suppressed: their
     * recipient is on the suppression list; inFlight: being sent, left alone.
     */
    data: { requeued: number; skipped: number; suppressed: number; inFlight: number };
  }
}

export namespace RemoveResults {
  export interface Request {
    body: { ids: string[] };
  }
  export interface Response {
    /** inFlight: being sent, so not removed. */
    data: { removed: number; inFlight: number };
  }
}

export namespace PreviewResult {
  export interface Response {
    /** Exactly what is (or was) sent for the result: addresses as "Name <address>". */
    data: {
      from: string;
      to: string;
      bcc: string[];
      subject: string;
      /** The translation the templates came from (the customer's language, or its fallback); null for the definition's own. */
      language: string | null;
      html: string;
      text: string | null;
      attachments: { filename: string; contentType: string; size: number }[];
    };
  }
}

/** The most addresses one test-send may go to. */
export const MAX_TEST_SEND_ADDRESSES = 10;
/** The header that marks a test-send's message (value `true`); the message is otherwise the one the queue would send. */
export const TEST_SEND_HEADER = 'X-Message-Runs-Test';

export namespace TestSendResult {
  export interface Request {
    /** 1 to MAX_TEST_SEND_ADDRESSES addresses, none on the suppression list. */
    body: { to: string[] };
  }
  export interface Response {
    /** to: the addresses it went to (each once); messageId: the test message's own Message-ID. */
    data: { to: string[]; messageId: string; sentAt: string };
  }
}
