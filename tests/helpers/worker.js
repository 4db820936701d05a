/**
 * A separate Strapi instance that delivers: run with child_process.fork by the multi-instance and
 * crash tests. It boots the compiled app against the database its env names, reports `ready`, waits
 * for `go`, then ticks the delivery queue until it has found nothing to do a few times in a row, and
 * reports what it did and the CPU time it used. Told `{ go: { run: documentId } }`, it also goes on
 * until that run is no longer running (so it is there to take over claims whose lease runs out).
 * WORKER_LEASE_SECONDS shortens the lease (so a dead worker's claims expire quickly in tests).
 */
// scripts/lib is TypeScript: tsx compiles it as it is required (jest forks this file with plain node).
require('tsx/cjs');
const { loadWorkerStrapi } = require('../../scripts/lib/worker-strapi');

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

(async () => {
  const strapi = await loadWorkerStrapi();
  const queue = strapi.plugin('message-runs').service('queue');
  process.send({ ready: queue.workerId });
  const go = await new Promise((resolve) => process.once('message', resolve));
  const watched = go?.go?.run;
  const running = async () =>
    watched !== undefined &&
    (await strapi.db.query('plugin::message-runs.message-run').findOne({ where: { documentId: watched } })).status ===
      'running';
  const cpuAtStart = process.cpuUsage();

  const total = { claimed: 0, sent: 0, retrying: 0, failed: 0, skipped: 0 };
  for (let idle = 0; idle < 3 || (await running()); ) {
    const report = await queue.tick();
    for (const key of Object.keys(total)) total[key] += report[key];
    idle = report.claimed ? 0 : idle + 1;
    if (!report.claimed) await sleep(300);
  }
  const cpu = process.cpuUsage(cpuAtStart);
  process.send({ done: total, cpuMs: (cpu.user + cpu.system) / 1000 });
  await strapi.destroy();
  process.exit(0);
})().catch((error) => {
  console.error(error);
  process.exit(1);
});
