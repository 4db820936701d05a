/**
 * The history of a result and the audit trail of a run (DESIGN.md §3, "History"), shared by the
 * server and the admin.
 */
import type { ActorKind, ResultEventType, RunEventType } from '../constants';

export interface Actor {
  kind: ActorKind;
  /** The admin's or API token's id; for `system`, the instance or the report's source. */
  id: string | null;
  name: string | null;
}

export interface HistoryEvent<Type extends string = ResultEventType | RunEventType> {
  at: string;
  type: Type;
  actor: Actor;
  /** What fits the event: the SMTP response, a DSN status and diagnostic, the worker, counts. */
  detail: Record<string, unknown> | null;
}

/** The most entries one answer holds: the newest ones, oldest first; `truncated` says older ones were left out. */
export const MAX_HISTORY_EVENTS = 500;

export interface HistoryMeta {
  truncated: boolean;
}

export namespace GetResultEvents {
  export interface Response {
    /** Oldest first. */
    data: HistoryEvent<ResultEventType>[];
    meta: HistoryMeta;
  }
}

export namespace GetRunEvents {
  export interface Response {
    /** Oldest first: the run's own entries, not its results'. */
    data: HistoryEvent<RunEventType>[];
    meta: HistoryMeta;
  }
}
