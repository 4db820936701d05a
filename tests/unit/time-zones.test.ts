import {
  instantOfWallTime,
  parseLocalDateTime,
  resolveInstant,
  wallTimeAt,
} from '../../src/plugins/message-runs/shared/time-zones';

/** A schedule's wall time in an IANA zone as an instant, with Intl alone, across daylight-saving changes. */
const wall = (text: string) => parseLocalDateTime(text)!;

it('places a wall time in its zone, summer and winter', () => {
  expect(instantOfWallTime(wall('2026-12-01T07:00'), 'Europe/Berlin').toISOString()).toBe('2026-12-01T06:00:00.000Z');
  expect(instantOfWallTime(wall('2026-07-01T07:00'), 'Europe/Berlin').toISOString()).toBe('2026-07-01T05:00:00.000Z');
  expect(instantOfWallTime(wall('2026-07-01T07:00'), 'America/New_York').toISOString()).toBe(
    '2026-07-01T11:00:00.000Z'
  );
  expect(instantOfWallTime(wall('2026-07-01T07:00'), 'Asia/Kolkata').toISOString()).toBe('2026-07-01T01:30:00.000Z');
});

it('takes the earlier of a time that happens twice, and moves one that does not happen forward by the gap', () => {
  // Berlin, 25 Oct 2026: 03:00 CEST goes back to 02:00 CET.
  expect(instantOfWallTime(wall('2026-10-25T02:30'), 'Europe/Berlin').toISOString()).toBe('2026-10-25T00:30:00.000Z');
  // Berlin, 29 Mar 2026: 02:00 CET jumps to 03:00 CEST; 02:30 shows as 03:30.
  const inGap = instantOfWallTime(wall('2026-03-29T02:30'), 'Europe/Berlin');
  expect(inGap.toISOString()).toBe('2026-03-29T01:30:00.000Z');
  expect(wallTimeAt(inGap, 'Europe/Berlin')).toMatchObject({ hour: 3, minute: 30 });
});

it('reads ISO 8601 with an offset as that instant, and without one only with a known zone', () => {
  expect(resolveInstant('2026-12-01T07:00+01:00')?.toISOString()).toBe('2026-12-01T06:00:00.000Z');
  expect(resolveInstant('2026-12-01T07:00:00Z', 'Europe/Berlin')?.toISOString()).toBe('2026-12-01T07:00:00.000Z');
  expect(resolveInstant('2026-12-01T07:00')).toBeNull();
  expect(resolveInstant('2026-12-01T07:00', 'Mars/Olympus')).toBeNull();
  expect(resolveInstant('2026-02-30T07:00', 'UTC')).toBeNull();
  expect(resolveInstant('2026-12-01T24:00Z')).toBeNull();
  expect(resolveInstant('2026-12-01 07:00', 'UTC')).toBeNull();
});
