import { RESULT_STATUSES, type ResultStatus, type RunStatus } from '../../../shared/constants';

/**
 * Every change of a run's status, in one table: the states an action leaves (`from`) and the one it
 * makes (`to`; null: the run is deleted). The services and the data layer's guarded UPDATEs read
 * `from` here, so a status is never tested against a list spelled out elsewhere.
 */
export const RUN_TRANSITIONS = {
  /** An admin's Start; of a scheduled run, it starts it now. */
  start: { from: ['created', 'stopped', 'scheduled'], to: 'running' },
  /** An admin's Stop; of a scheduled run, it cancels the schedule. */
  stop: { from: ['running', 'scheduled'], to: 'stopped' },
  /** Sets a schedule, or moves it while `scheduled`. */
  schedule: { from: ['created', 'stopped', 'scheduled'], to: 'scheduled' },
  /** The scheduler: a scheduled run whose time has come starts… */
  startDue: { from: ['scheduled'], to: 'running' },
  /** …or, past its `notAfter`, stops (`missed-schedule`). */
  missSchedule: { from: ['scheduled'], to: 'stopped' },
  /** The queue, after `pauseAfterFailures` attempts in a row failed on the server's side. */
  pause: { from: ['running'], to: 'stopped' },
  /** Nothing left to send: no result of the run is pending (PENDING_RESULT_STATUSES). */
  complete: { from: ['running'], to: 'completed' },
  /** Results of a completed run were queued again: it runs again. */
  reopen: { from: ['completed'], to: 'running' },
  /** Deleting the run and its results: never while it runs (a worker may be sending). */
  delete: { from: ['created', 'scheduled', 'stopped', 'completed'], to: null },
} as const satisfies Record<string, { from: readonly RunStatus[]; to: RunStatus | null }>;

export type RunAction = keyof typeof RUN_TRANSITIONS;

/** The admin's actions that answer with the run as it is when it is already where they lead. */
const IDEMPOTENT: readonly RunAction[] = ['start', 'stop'];

/** Whether `action` may change a run in `status`. */
export const runMay = (action: RunAction, status: RunStatus) =>
  (RUN_TRANSITIONS[action].from as readonly RunStatus[]).includes(status);

/** What an admin's action does to a run in `status`: change it, nothing (already there), or refuse. */
export function decideRunAction(action: RunAction, status: RunStatus): 'change' | 'already-there' | 'refused' {
  if (IDEMPOTENT.includes(action) && RUN_TRANSITIONS[action].to === status) return 'already-there';
  return runMay(action, status) ? 'change' : 'refused';
}

const REFUSAL_HINTS: Record<RunStatus, string> = {
  created: 'it has not been started',
  scheduled: 'it is scheduled',
  running: 'it is running; stop it first',
  stopped: 'it is stopped',
  completed: 'it is completed; resend results to run it again',
};

/** The 409's message for an action a run in `status` refuses. */
export const refusal = (action: RunAction, status: RunStatus) => `Cannot ${action} this run: ${REFUSAL_HINTS[status]}.`;

/** A result the queue may still send: while a run has one, it is not complete. */
export const PENDING_RESULT_STATUSES = ['queued', 'sending', 'retrying'] as const satisfies readonly ResultStatus[];

/** Every status but `sending`: a worker holds a result being sent, and only the queue changes it. */
const NOT_SENDING = RESULT_STATUSES.filter((status) => status !== 'sending');

/**
 * Every change of a result's status, in one table. `to` lists what the action may make of it; null:
 * the result is deleted. As for runs, the data layer's guarded statements read `from` here.
 */
export const RESULT_TRANSITIONS = {
  /** A worker claims a due result (a retry's time has come). */
  claim: { from: ['queued', 'retrying'], to: ['sending'] },
  /**
   * A worker records the outcome of the attempt; a server failure of a run no longer running is
   * `queued` (it waits for Start), not `retrying`.
   */
  record: { from: ['sending'], to: ['sent', 'retrying', 'failed', 'skipped', 'queued'] },
  /** Back to the queue, as if never claimed: Stop, a domain's limit, a lease that ran out. */
  release: { from: ['sending'], to: ['queued'] },
  /** A run that paused itself: its results waiting after a server failure wait for Start instead. */
  requeueServerFailure: { from: ['retrying'], to: ['queued'] },
  /** An admin's Resend: queued again, or skipped if no longer eligible. */
  resend: { from: NOT_SENDING, to: ['queued', 'skipped'] },
  /** An admin's Remove. */
  remove: { from: NOT_SENDING, to: null },
  /** A hard bounce of a sent message. */
  bounce: { from: ['sent'], to: ['bounced'] },
  /** A spam complaint: it outranks a bounce. */
  complain: { from: ['sent', 'bounced'], to: ['complained'] },
} as const satisfies Record<string, { from: readonly ResultStatus[]; to: readonly ResultStatus[] | null }>;

export type ResultAction = keyof typeof RESULT_TRANSITIONS;

/** Whether `action` may change a result in `status`. */
export const resultMay = (action: ResultAction, status: ResultStatus) =>
  (RESULT_TRANSITIONS[action].from as readonly ResultStatus[]).includes(status);
