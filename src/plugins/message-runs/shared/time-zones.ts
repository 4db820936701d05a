/**
 * Wall times in IANA time zones, with Intl alone (no time-zone package): the server turns a schedule's
 * local time into an instant, the admin shows an instant as the admin chose it.
 */

export interface WallTime {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();
const formatterOf = (timeZone: string) => {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formatters.set(timeZone, formatter);
  }
  return formatter;
};

/** Whether Intl knows the zone (an IANA name such as `Europe/Berlin`, or `UTC`). */
export function isTimeZone(timeZone: string) {
  try {
    formatterOf(timeZone);
    return true;
  } catch {
    return false;
  }
}

/** The wall time at `instant` in `timeZone`. */
export function wallTimeAt(instant: Date, timeZone: string): WallTime {
  const parts = Object.fromEntries(
    formatterOf(timeZone)
      .formatToParts(instant)
      .map((part) => [part.type, Number(part.value)])
  );
  return {
    year: parts.year,
    month: parts.month,
    day: parts.day,
    hour: parts.hour,
    minute: parts.minute,
    second: parts.second,
  };
}

const wallAsUtc = (wall: WallTime) =>
  Date.UTC(wall.year, wall.month - 1, wall.day, wall.hour, wall.minute, wall.second);

/** The zone's offset from UTC at `epochMs`, in ms (whole seconds: Intl shows no more). */
const offsetAt = (epochMs: number, timeZone: string) =>
  wallAsUtc(wallTimeAt(new Date(epochMs), timeZone)) - Math.floor(epochMs / 1000) * 1000;

/**
 * The instant of a wall time in `timeZone`. A time that happens twice (clocks going back) is the
 * earlier one; a time that does not happen (clocks going forward) is moved forward by the gap, as a
 * wall clock would show it: 02:30 on the night of a one-hour spring gap is 03:30.
 */
export function instantOfWallTime(wall: WallTime, timeZone: string): Date {
  const asUtc = wallAsUtc(wall);
  const DAY = 86_400_000;
  const offsets = [offsetAt(asUtc - DAY, timeZone), offsetAt(asUtc + DAY, timeZone)];
  const valid = offsets
    .map((offset) => asUtc - offset)
    .filter((instant) => asUtc - offsetAt(instant, timeZone) === instant);
  return new Date(valid.length ? Math.min(...valid) : asUtc - offsets[0]);
}

/** `YYYY-MM-DDTHH:mm[:ss[.sss]]`: a wall time without an offset. */
const LOCAL = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,3})?)?$/;
/** The same with `Z` or `±HH:MM`: an instant. */
const WITH_OFFSET = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:\d{2})$/;

/** A wall time as written, or null when the text is not one (or names no day on the calendar). */
export function parseLocalDateTime(text: string): WallTime | null {
  const match = LOCAL.exec(text);
  if (!match) return null;
  const [year, month, day, hour, minute, second = 0] = match
    .slice(1)
    .map((part) => (part === undefined ? 0 : Number(part)));
  const wall = { year, month, day, hour, minute, second };
  const check = new Date(wallAsUtc(wall));
  const sameDay = check.getUTCFullYear() === year && check.getUTCMonth() === month - 1 && check.getUTCDate() === day;
  return sameDay && hour < 24 && minute < 60 && second < 60 ? wall : null;
}

/**
 * The instant an ISO 8601 date-time names: with an offset it is that instant (the zone only says
 * how to show it); without one it is a wall time in `timeZone`. Null when it names none.
 */
export function resolveInstant(text: string, timeZone?: string | null): Date | null {
  if (WITH_OFFSET.test(text)) {
    const instant = new Date(text);
    return Number.isNaN(instant.getTime()) || !parseLocalDateTime(text.slice(0, 16)) ? null : instant;
  }
  const wall = parseLocalDateTime(text);
  return wall && timeZone && isTimeZone(timeZone) ? instantOfWallTime(wall, timeZone) : null;
}
