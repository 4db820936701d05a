import { ALL, assignTimes, domainScope, GUARD_MS, instancePace, scopesOf, spacingOf } from '../../src/plugins/message-runs/server/src/services/pacing';

/** The most times in any half-open window [t, t + width) that starts at one of them. */
const busiestWindow = (times: number[], width: number) =>
  Math.max(0, ...times.map((start) => times.filter((time) => time >= start && time < start + width).length));

/** Assigns times round after round, as a worker does, until `count` messages have one. */
function timesFor(count: number, spacing: Record<string, number>, scopes: string[], roundMs = 100) {
  let nextAt: Record<string, number> = {};
  const times: number[] = [];
  for (let now = 0; times.length < count; now += roundMs) {
    const assignment = assignTimes({
      max: 10,
      scopes: Array(10).fill(scopes),
      nextAt,
      spacing,
      localNextAt: 0,
      localSpacing: 0,
      now,
      horizon: 100,
    });
    nextAt = assignment.nextAt;
    times.push(...assignment.times.filter((time): time is number => time !== null));
  }
  return times.slice(0, count);
}

describe('spacing', () => {
  it('keeps the per-minute and per-second limits, with the guard to spare', () => {
    const spacing = spacingOf({ rateLimitPerMinute: 240, rateLimitPerSecond: 0, domainRateLimits: {} });
    expect(spacing[ALL]).toBeCloseTo((60_000 + GUARD_MS) / 240);
    const times = timesFor(1000, spacing, [ALL]);
    expect(busiestWindow(times, 60_000)).toBeLessThanOrEqual(240);
    // Spread evenly: no second carries more than twice its share.
    expect(busiestWindow(times, 1000)).toBeLessThanOrEqual(Math.ceil(240 / 60) * 2);
    // A message landing GUARD_MS late or early still keeps the window.
    const jittered = times.map((time, index) => time + (index % 2 ? GUARD_MS / 2 : -GUARD_MS / 2));
    expect(busiestWindow(jittered, 60_000)).toBeLessThanOrEqual(240);
  });

  it('takes the tighter of the per-minute and per-second limits', () => {
    expect(spacingOf({ rateLimitPerMinute: 6000, rateLimitPerSecond: 10, domainRateLimits: {} })[ALL]).toBeCloseTo((1000 + GUARD_MS) / 10);
    expect(spacingOf({ rateLimitPerMinute: 60, rateLimitPerSecond: 10, domainRateLimits: {} })[ALL]).toBeCloseTo((60_000 + GUARD_MS) / 60, 3);
    expect(spacingOf({ rateLimitPerMinute: 0, rateLimitPerSecond: 0, domainRateLimits: {} })).toEqual({});
  });

  it('limits each domain of a message, To and Bcc, and nothing else', () => {
    const spacing = spacingOf({ rateLimitPerMinute: 0, rateLimitPerSecond: 0, domainRateLimits: { 'gmail.com': 600 } });
    expect(scopesOf(['a@Gmail.com', 'billing@example.com'], spacing)).toEqual([domainScope('gmail.com')]);
    expect(scopesOf(['a@example.com'], spacing)).toEqual([]);
  });
});

describe('assignTimes', () => {
  const spacing = { [ALL]: 100, [domainScope('slow.test')]: 1000 };
  const base = { spacing, localNextAt: 0, localSpacing: 0, horizon: 100 };

  it('passes over a message whose domain is not free and gives its time to the next one', () => {
    const slow = [ALL, domainScope('slow.test')];
    const assignment = assignTimes({
      ...base,
      max: 3,
      scopes: [slow, slow, [ALL]],
      nextAt: {},
      now: 0,
      horizon: 300,
    });
    expect(assignment.times).toEqual([0, null, 100]);
    expect(assignment.domainFreeAt[1]).toBe(1000);
    expect(assignment.nextAt).toEqual({ [ALL]: 200, [domainScope('slow.test')]: 1000 });
  });

  it('gives nothing beyond the horizon, and says when to come back', () => {
    const assignment = assignTimes({ ...base, max: 5, scopes: [[ALL]], nextAt: { [ALL]: 450 }, now: 0 });
    expect(assignment.times).toEqual([null]);
    expect(assignment.retryAt).toBe(450);
  });

  it("spaces this instance's messages by its own pace", () => {
    const assignment = assignTimes({ ...base, spacing: {}, max: 3, scopes: [[], [], []], nextAt: {}, localSpacing: 40, now: 0 });
    expect(assignment.times).toEqual([0, 40, 80]);
    expect(assignment.localNextAt).toBe(120);
  });
});

describe('instancePace', () => {
  it('halves on throttling, once a second at most, and grows back while the server accepts', () => {
    const pace = instancePace();
    expect(pace.perSecond()).toBeNull();
    pace.throttled('454 Throttling failure', 40, new Date(0));
    expect(pace.perSecond()).toBe(20);
    // Answers to messages sent before the halving halve nothing more…
    pace.throttled('454 Throttling failure', 20, new Date(500));
    expect(pace.perSecond()).toBe(20);
    // …a throttle a second later does.
    pace.throttled('454 Throttling failure', 20, new Date(1500));
    expect(pace.perSecond()).toBe(10);
    // A second's worth of accepted messages (10) adds the step: 40 / 20 = 2 messages a second.
    for (let i = 0; i < 10; i++) pace.accepted();
    expect(pace.perSecond()).toBeGreaterThan(11.8);
    expect(pace.perSecond()).toBeLessThan(12);
    // Back to full speed once it reaches the rate of the first throttle.
    let accepted = 0;
    while (pace.perSecond() !== null) {
      pace.accepted();
      accepted++;
    }
    expect(accepted).toBeGreaterThan(300);
    expect(accepted).toBeLessThan(600);
    expect(pace.record().lastThrottle).toBe('454 Throttling failure');
  });

  it('never goes slower than one message a second', () => {
    const pace = instancePace();
    for (let second = 0; second < 20; second++) pace.throttled('421 Too many messages', 8, new Date(second * 1000));
    expect(pace.perSecond()).toBe(1);
  });
});
