/**
 * The most messages in any window of `widthMs` (half-open, [t, t + width)) over the times a server
 * received them: what a provider that limits a sliding window counts.
 */
export function busiestWindow(times: number[], widthMs: number) {
  return busiestWindowAt(times, widthMs).count;
}

/** The busiest window's count and start time. */
export function busiestWindowAt(times: number[], widthMs: number) {
  const sorted = [...times].sort((a, b) => a - b);
  let busiest: { count: number; start?: number } = { count: 0, start: undefined };
  for (let start = 0, end = 0; start < sorted.length; start++) {
    while (end < sorted.length && sorted[end] < sorted[start] + widthMs) end++;
    if (end - start > busiest.count) busiest = { count: end - start, start: sorted[start] };
  }
  return busiest;
}

/** "60 s: 118, 1 s: 4": the busiest minute and second of these receive times. */
export const describeWindows = (times: number[]) => `60 s: ${busiestWindow(times, 60_000)}, 1 s: ${busiestWindow(times, 1000)}`;
