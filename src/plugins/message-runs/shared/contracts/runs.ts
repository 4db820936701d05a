/**
 * Request and response shapes of the run routes (DESIGN.md §3), shared by the server and the admin.
 */
import type { ResultStatus, RunStatus, SKIP_REASONS, StopReason } from '../constants';

export type ResultCounts = Record<ResultStatus | 'total', number>;

export interface Run {
  documentId: string;
  status: RunStatus;
  definition: { documentId: string; name: string };
  cluster: { documentId: string; name: string } | null;
  includeChildren: boolean;
  /** Whether invoices another run of the same definition already sent were taken again. */
  includeAlreadySent: boolean;
  periodStart: string;
  periodEnd: string;
  bcc: string[];
  counts: ResultCounts;
  createdAt: string;
  createdBy: { firstname: string | null; lastname: string | null } | null;
  startedAt: string | null;
  stoppedAt: string | null;
  completedAt: string | null;
  /** Why the run was last stopped; null while it has never been. Start keeps it (a resumed run was stopped once). */
  stopReason: StopReason | null;
  /** The server's answer that paused the run (`paused-after-failures`); null otherwise. */
  lastError: string | null;
  /** When the run starts by itself (status `scheduled`), or started so; null without a schedule. */
  scheduledAt: string | null;
  /** The IANA zone the schedule was given in, to show it as chosen; null when given with an offset only. */
  timeZone: string | null;
  /** A scheduled run not started by then is not started late: it stops with `missed-schedule`. */
  notAfter: string | null;
}

export interface Pagination {
  page: number;
  pageSize: number;
  pageCount: number;
  total: number;
}

export interface RunCriteria {
  /** documentId of a message definition. */
  definition: string;
  /** documentId of a customer cluster. */
  cluster: string;
  includeChildren?: boolean;
  /** Send again invoices another run of the same definition sent (else skipped `already-sent`); default false. */
  includeAlreadySent?: boolean;
  /** YYYY-MM-DD, inclusive: invoices whose whole billing period lies inside it. */
  periodStart: string;
  periodEnd: string;
  bcc?: string[];
}

export namespace GetRuns {
  export interface Request {
    query: { page?: number; pageSize?: number; status?: RunStatus };
  }
  export interface Response {
    data: Run[];
    meta: { pagination: Pagination };
  }
}

export namespace PreviewRun {
  export interface Request {
    body: RunCriteria;
  }
  export interface Response {
    data: {
      total: number;
      eligible: number;
      skipped: Record<(typeof SKIP_REASONS)[number], number>;
      /**
       * The messages the eligible invoices make (one per invoice, one per customer with `collate`) per
       * template language: a translation's code, or `default` for the definition's own templates.
       * Only languages with messages appear.
       */
      languages: Record<string, number>;
    };
  }
}

/**
 * ISO 8601 date-times: with an offset (`2026-12-01T07:00+01:00`, `…Z`), or a wall time
 * (`2026-12-01T07:00`) in `timeZone`.
 */
export interface ScheduleRequest {
  scheduledAt: string;
  timeZone?: string;
  notAfter?: string;
}

/** A schedule as validated: instants, and the zone to show them in. */
export interface Schedule {
  scheduledAt: Date;
  timeZone: string | null;
  notAfter: Date | null;
}

export namespace CreateRun {
  export interface Request {
    /** With `scheduledAt`, the run is created `scheduled`. */
    body: RunCriteria & Partial<ScheduleRequest>;
  }
  export interface Response {
    data: Run;
    meta: { message: string };
  }
}

export namespace GetRun {
  export interface Response {
    data: Run;
  }
}

export namespace ScheduleRun {
  export interface Request {
    body: ScheduleRequest;
  }
  export interface Response {
    data: Run;
  }
}

/** start, stop */
export namespace TransitionRun {
  export interface Response {
    data: Run;
  }
}

/** Per status whose kept count differed from a count of the run's results: both (empty when none did). */
export type CountsDrift = Partial<Record<ResultStatus, { kept: number; counted: number }>>;

/** Counts the run's results again in place of its kept counts (the repair path). */
export namespace RecountRun {
  export interface Response {
    data: Run;
    meta: { drift: CountsDrift };
  }
}

export namespace DeleteRun {
  export interface Response {
    data: { documentId: string; removedResults: number };
  }
}
