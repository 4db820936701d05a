import path from 'path';
import { createStrapi, type Core } from '@strapi/strapi';

export const appDir = path.resolve(__dirname, '..', '..');

/**
 * Loads the compiled app (dist/) as a delivery worker against the database its env names. Faults and
 * crash tests shorten the plugin's timings through env, as config/plugins.ts has no keys for them:
 * WORKER_LEASE_SECONDS (a dead worker's claims expire quickly) and WORKER_RETRY_DELAYS (comma list
 * of seconds, so transient failures are retried within the test).
 */
export async function loadWorkerStrapi(env: NodeJS.ProcessEnv = process.env): Promise<Core.Strapi> {
  const strapi = await createStrapi({ appDir, distDir: path.join(appDir, 'dist') }).load();
  if (env.WORKER_LEASE_SECONDS) {
    strapi.config.set('plugin::message-runs.leaseSeconds', Number(env.WORKER_LEASE_SECONDS));
  }
  if (env.WORKER_RETRY_DELAYS) {
    strapi.config.set('plugin::message-runs.retryDelays', env.WORKER_RETRY_DELAYS.split(',').map(Number));
  }
  return strapi;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Ticks the delivery queue back to back, as the cron task's ticks would follow each other on a busy
 * queue, pausing briefly when there is nothing to do; a failed tick goes to `onError` and the next one
 * runs. Returns a function that stops it and resolves once the tick under way is done.
 */
export function startTicking(
  queue: { tick(): Promise<{ claimed: number }> },
  onError: (error: Error) => void = () => {}
) {
  let stopping = false;
  const loop = (async () => {
    while (!stopping) {
      try {
        const report = await queue.tick();
        if (!report.claimed) await sleep(200);
      } catch (error) {
        onError(error as Error);
        await sleep(200);
      }
    }
  })();
  return () => {
    stopping = true;
    return loop;
  };
}
