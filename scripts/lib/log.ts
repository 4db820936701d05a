export const log = (message: string) => console.log(`[demo] ${message}`);
export const secondsSince = (startedAt: number) => `${((Date.now() - startedAt) / 1000).toFixed(1)} s`;

/** Runs `work` and logs how long it took. */
export async function timed<T>(label: string, work: () => Promise<T>): Promise<T> {
  const startedAt = Date.now();
  const result = await work();
  log(`${label} took ${secondsSince(startedAt)}`);
  return result;
}
