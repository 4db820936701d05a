'use strict';

const path = require('path');
const { createStrapi } = require('@strapi/strapi');

const appDir = path.resolve(__dirname, '..', '..');

/**
 * Loads the compiled app (dist/) as a delivery worker against the database its env names. Faults and
 * crash tests shorten the plugin's timings through env, as config/plugins.ts has no keys for them:
 * WORKER_LEASE_SECONDS (a dead worker's claims expire quickly) and WORKER_RETRY_DELAYS (comma list
 * of seconds, so transient failures are retried within the test).
 */
async function loadWorkerStrapi(env = process.env) {
  const strapi = await createStrapi({ appDir, distDir: path.join(appDir, 'dist') }).load();
  if (env.WORKER_LEASE_SECONDS) {
    strapi.config.set('plugin::message-runs.leaseSeconds', Number(env.WORKER_LEASE_SECONDS));
  }
  if (env.WORKER_RETRY_DELAYS) {
    strapi.config.set('plugin::message-runs.retryDelays', env.WORKER_RETRY_DELAYS.split(',').map(Number));
  }
  return strapi;
}

/** A module of the compiled plugin's server, e.g. `data/tables`. */
const pluginModule = (name) => require(path.join(appDir, 'dist/src/plugins/message-runs/server/src', name));

module.exports = { appDir, loadWorkerStrapi, pluginModule };
