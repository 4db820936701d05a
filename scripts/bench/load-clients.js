'use strict';

const http = require('http');

/** The value below which `share` of the sorted samples lie (nearest rank). */
const percentile = (sorted, share) => sorted[Math.min(sorted.length - 1, Math.ceil(share * sorted.length) - 1)];

/** GET `path` on the keep-alive agent; resolves with the status (the body is read and dropped). */
function get(agent, port, path, headers) {
  return new Promise((resolve, reject) => {
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
async function runClients({ port, token, clients, durationSeconds, pick }) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: clients });
  const headers = { Authorization: `Bearer ${token}` };
  const samples = new Map();
  const record = (endpoint, ms, ok) => {
    if (!samples.has(endpoint)) samples.set(endpoint, { latencies: [], errors: 0, firstError: undefined });
    const entry = samples.get(endpoint);
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
      let ok;
      try {
        const status = await get(agent, port, path, headers);
        ok = status === 200 || `HTTP ${status} on ${path}`;
      } catch (error) {
        ok = `${error.code ?? error.message} on ${path}`;
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

module.exports = { runClients, percentile };
