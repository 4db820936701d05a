/**
 * A second Strapi instance that serves HTTP, on the test's database (its env): run with
 * child_process.fork by the tests of what must hold across instances sharing one PostgreSQL. It boots
 * the compiled app, listens on a free port of 127.0.0.1 and reports `{ port }`; it stops when killed.
 */
// scripts/lib is TypeScript: tsx compiles it as it is required (jest forks this file with plain node).
require('tsx/cjs');
const { loadWorkerStrapi } = require('../../scripts/lib/worker-strapi');

(async () => {
  const strapi = await loadWorkerStrapi();
  strapi.server.mount();
  const server = strapi.server.httpServer;
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  process.send({ port: server.address().port });
})().catch((error) => {
  console.error(error);
  process.exit(1);
});
