import { RESULT_STATUSES, RUN_STATUSES, type ResultStatus, type RunStatus } from '../../src/plugins/message-runs/shared/constants';
import {
  decideRunAction,
  PENDING_RESULT_STATUSES,
  refusal,
  RESULT_TRANSITIONS,
  resultMay,
  RUN_TRANSITIONS,
  runMay,
  type ResultAction,
  type RunAction,
} from '../../src/plugins/message-runs/server/src/domain/states';

/**
 * The state machine (DESIGN.md §4), written out here independently of domain/states.ts: for every
 * action, the statuses it may leave. Every other status must be refused.
 */
const RUN_ALLOWED: Record<RunAction, RunStatus[]> = {
  start: ['created', 'stopped', 'scheduled'],
  stop: ['running', 'scheduled'],
  schedule: ['created', 'stopped', 'scheduled'],
  startDue: ['scheduled'],
  missSchedule: ['scheduled'],
  pause: ['running'],
  complete: ['running'],
  reopen: ['completed'],
  delete: ['created', 'scheduled', 'stopped', 'completed'],
};
const RUN_TARGET: Record<RunAction, RunStatus | null> = {
  start: 'running',
  stop: 'stopped',
  schedule: 'scheduled',
  startDue: 'running',
  missSchedule: 'stopped',
  pause: 'stopped',
  complete: 'completed',
  reopen: 'running',
  delete: null,
};

describe('the run state table', () => {
  it('has exactly the actions of the state machine', () => {
    expect(Object.keys(RUN_TRANSITIONS).sort()).toEqual(Object.keys(RUN_ALLOWED).sort());
  });

  for (const action of Object.keys(RUN_ALLOWED) as RunAction[]) {
    it(`${action}: allowed from ${RUN_ALLOWED[action].join(', ')}, refused from every other status, leads to ${RUN_TARGET[action]}`, () => {
      for (const status of RUN_STATUSES) {
        expect([status, runMay(action, status)]).toEqual([status, RUN_ALLOWED[action].includes(status)]);
      }
      expect(RUN_TRANSITIONS[action].to).toBe(RUN_TARGET[action]);
    });
  }

  it('answers Start of a running run and Stop of a stopped run as they are, and refuses what the table refuses', () => {
    expect(decideRunAction('start', 'running')).toBe('already-there');
    expect(decideRunAction('stop', 'stopped')).toBe('already-there');
    expect(decideRunAction('start', 'completed')).toBe('refused');
    expect(decideRunAction('stop', 'created')).toBe('refused');
    expect(decideRunAction('stop', 'completed')).toBe('refused');
    expect(decideRunAction('start', 'scheduled')).toBe('change');
    expect(decideRunAction('stop', 'scheduled')).toBe('change');
    // Only Start and Stop are no-ops where they lead: a schedule is moved, not kept.
    expect(decideRunAction('schedule', 'scheduled')).toBe('change');
    expect(decideRunAction('delete', 'running')).toBe('refused');
  });

  it('says why a run refuses, as the 409s do', () => {
    expect(refusal('delete', 'running')).toBe('Cannot delete this run: it is running; stop it first.');
    expect(refusal('start', 'completed')).toBe('Cannot start this run: it is completed; resend results to run it again.');
    expect(refusal('schedule', 'running')).toBe('Cannot schedule this run: it is running; stop it first.');
  });
});

const NOT_SENDING: ResultStatus[] = ['queued', 'sent', 'retrying', 'failed', 'skipped', 'bounced', 'complained'];
const RESULT_ALLOWED: Record<ResultAction, ResultStatus[]> = {
  claim: ['queued', 'retrying'],
  record: ['sending'],
  release: ['sending'],
  requeueServerFailure: ['retrying'],
  resend: NOT_SENDING,
  remove: NOT_SENDING,
  bounce: ['sent'],
  complain: ['sent', 'bounced'],
};

describe('the result state table', () => {
  it('has exactly the actions on results', () => {
    expect(Object.keys(RESULT_TRANSITIONS).sort()).toEqual(Object.keys(RESULT_ALLOWED).sort());
  });

  for (const action of Object.keys(RESULT_ALLOWED) as ResultAction[]) {
    it(`${action}: allowed from ${RESULT_ALLOWED[action].join(', ')} only`, () => {
      for (const status of RESULT_STATUSES) {
        expect([status, resultMay(action, status)]).toEqual([status, RESULT_ALLOWED[action].includes(status)]);
      }
    });
  }

  it('leads each action where the queue and the reports take results', () => {
    expect(RESULT_TRANSITIONS.claim.to).toEqual(['sending']);
    expect(RESULT_TRANSITIONS.resend.to).toEqual(['queued', 'skipped']);
    expect(RESULT_TRANSITIONS.remove.to).toBeNull();
    expect(RESULT_TRANSITIONS.bounce.to).toEqual(['bounced']);
    expect(RESULT_TRANSITIONS.complain.to).toEqual(['complained']);
  });

  it('counts queued, sending and retrying as pending: a run with one is not complete', () => {
    expect([...PENDING_RESULT_STATUSES].sort()).toEqual(['queued', 'retrying', 'sending']);
  });
});
