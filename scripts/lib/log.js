'use strict';

const log = (message) => console.log(`[demo] ${message}`);
const secondsSince = (startedAt) => `${((Date.now() - startedAt) / 1000).toFixed(1)} s`;

/** Runs `work` and logs how long it took. */
async function timed(label, work) {
  const startedAt = Date.now();
  const result = await work();
  log(`${label} took ${secondsSince(startedAt)}`);
  return result;
}

module.exports = { log, secondsSince, timed };
