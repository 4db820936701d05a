import { outcomeOf, type Delivery } from '../../src/plugins/message-runs/server/src/domain/outcomes';

/** The retry policy (DESIGN.md §4): what the queue records for each delivery, on which attempt. */
const policy = { retryDelays: [60, 300, 1800], throttleRetrySeconds: 10 };
const now = new Date('2026-12-01T10:00:00.000Z');
const after = (seconds: number) => new Date(now.getTime() + seconds * 1000);
const transient: Delivery = { status: 'transient', error: '450 mailbox busy' };

describe('outcomeOf', () => {
  it('records a sent message with its id, the answer, the refused Bcc and where its copy is kept', () => {
    const sent: Delivery = { status: 'sent', messageId: '<m@x>', response: '250 OK', refusedBcc: 'b@x: 550', sha256: 'ab12', archiveKey: 'k1' };
    expect(outcomeOf(sent, 1, now, policy)).toEqual({
      status: 'sent',
      messageId: '<m@x>',
      response: '250 OK',
      error: 'b@x: 550',
      sha256: 'ab12',
      archiveKey: 'k1',
    });
  });

  it('fails a refused message for good on its first attempt, with the refusal as reason', () => {
    const rejected: Delivery = { status: 'rejected', reason: 'recipient-rejected', error: '550 no such user' };
    expect(outcomeOf(rejected, 1, now, policy)).toEqual({ status: 'failed', reason: 'recipient-rejected', error: '550 no such user' });
  });

  it('retries a transient failure after each delay of the policy in turn', () => {
    expect(outcomeOf(transient, 1, now, policy)).toEqual({
      status: 'retrying',
      reason: 'smtp-transient',
      error: '450 mailbox busy',
      nextAttemptAt: after(60),
    });
    expect(outcomeOf(transient, 2, now, policy).nextAttemptAt).toEqual(after(300));
    expect(outcomeOf(transient, 3, now, policy).nextAttemptAt).toEqual(after(1800));
  });

  it('gives up once the delays are spent, saying after how many attempts', () => {
    expect(outcomeOf(transient, 4, now, policy)).toEqual({
      status: 'failed',
      reason: 'smtp-transient',
      error: '450 mailbox busy (gave up after 4 attempts)',
    });
  });

  it('retries a throttled or unavailable server soon, whatever the attempt, without counting it', () => {
    const throttled: Delivery = { status: 'transient', error: '454 slow down', cause: 'throttled', slowDown: true };
    const unavailable: Delivery = { status: 'transient', error: 'ECONNREFUSED', cause: 'unavailable' };
    expect(outcomeOf(throttled, 9, now, policy)).toEqual({
      status: 'retrying',
      reason: 'smtp-throttled',
      error: '454 slow down',
      nextAttemptAt: after(10),
      uncounted: true,
    });
    expect(outcomeOf(unavailable, 1, now, policy)).toMatchObject({ reason: 'smtp-unavailable', nextAttemptAt: after(10), uncounted: true });
  });
});
