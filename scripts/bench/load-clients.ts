import http from 'http';

/** A request of the mix: which endpoint it counts for, and its path. */
export interface Pick {
  endpoint: string;
  path: string;
}

/** An endpoint's figures under load. */
export interface EndpointFigures {
  endpoint: string;
  requests: number;
  perSecond: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
  errors: number;
  firstError?: string;
}

/** The value below which `share` of the sorted samples lie (nearest rank). */
export const percentile = (sorted: number[], share: number) => sorted[Math.min(sorted.length - 1, Math.ceil(share * sorted.length) - 1)];

/** GET `path` on the keep-alive agent; resolves with the status (the body is read and dropped). */
function get(agent: http.Agent, port: number, path: string, headers: http.OutgoingHttpHeaders) {
  return new Promise<number | undefined>((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path, agent, headers }, (res) => {
      res.on('data', () => {});
      res.on('end', () => resolve(res.statusCode));
      res.on('error', reject);
    });
    req.on('error', reject);
  });
}

/**
 * Runs `clients` concurrent loops for `durationSeconds`, each sending one request after the other
 * (keep-alive, one connection each): `pick()` gives the next `{ endpoint, path }`. Returns per
 * endpoint the latency percentiles, requests per second and errors (non-200 answers or failures).
 */
export async function runClients({
  port,
  token,
  clients,
  durationSeconds,
  pick,
}: {
  port: number;
  token: string;
  clients: number;
  durationSeconds: number;
  pick: () => Pick;
}): Promise<EndpointFigures[]> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: clients });
  const headers = { Authorization: `Bearer ${token}` };
  const samples = new Map<string, { latencies: number[]; errors: number; firstError?: string }>();
  /** `ok`: true, or what went wrong. */
  const record = (endpoint: string, ms: number, ok: true | string) => {
    if (!samples.has(endpoint)) samples.set(endpoint, { latencies: [], errors: 0, firstError: undefined });
    const entry = samples.get(endpoint)!;
    entry.latencies.push(ms);
    if (ok !== true) {
      entry.errors++;
      entry.firstError ??= ok;
    }
  };
  const startedAt = Date.now();
  const deadline = startedAt + durationSeconds * 1000;
  const loop = async () => {
    while (Date.now() < deadline) {
      const { endpoint, path } = pick();
      const start = process.hrtime.bigint();
      let ok: true | string;
      try {
        const status = await get(agent, port, path, headers);
        ok = status === 200 || `HTTP ${status} on ${path}`;
      } catch (error) {
        ok = `${(error as NodeJS.ErrnoException).code ?? (error as Error).message} on ${path}`;
      }
      record(endpoint, Number(process.hrtime.bigint() - start) / 1e6, ok);
    }
  };
  await Promise.all(Array.from({ length: clients }, loop));
  const seconds = (Date.now() - startedAt) / 1000;
  agent.destroy();
  return [...samples].map(([endpoint, { latencies, errors, firstError }]) => {
    const sorted = latencies.sort((a, b) => a - b);
    return {
      endpoint,
      requests: sorted.length,
      perSecond: sorted.length / seconds,
      p50: percentile(sorted, 0.5),
      p95: percentile(sorted, 0.95),
      p99: percentile(sorted, 0.99),
      max: sorted[sorted.length - 1],
      errors,
      firstError,
    };
  });
}
