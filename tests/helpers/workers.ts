import path from 'path';
import { fork, type ChildProcess } from 'child_process';

/**
 * Separate Strapi instances that deliver (tests/helpers/worker.js) on the test's database, as several
 * servers sharing one PostgreSQL would. `kill()` in afterAll ends any still running.
 */
export function deliveryWorkers() {
  const children: ChildProcess[] = [];
  return {
    /** Starts worker processes with `env` on top of this process's; resolves once each has booted. */
    async start(count: number, env: Record<string, string> = {}) {
      const workers = Array.from({ length: count }, () => {
        const child = fork(path.join(__dirname, 'worker.js'), [], {
          env: { ...process.env, ...env },
          stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
        });
        children.push(child);
        return child;
      });
      await Promise.all(
        workers.map(
          (child) =>
            new Promise((resolve, reject) => {
              child.once('message', resolve);
              child.once('exit', (code) => reject(new Error(`worker exited with ${code} before it was ready`)));
            })
        )
      );
      return workers;
    },
    kill() {
      for (const child of children) child.kill('SIGKILL');
    },
  };
}

/** What a worker reports once it is done: its tick totals (claimed, sent, …). */
export const finished = (child: ChildProcess) =>
  new Promise<Record<string, number>>((resolve, reject) => {
    child.on('message', (message: { done?: Record<string, number> }) => message.done && resolve(message.done));
    child.once('exit', (code) => code !== 0 && reject(new Error(`worker exited with ${code}`)));
  });

/**
 * Starts `count` workers, tells them to deliver until the run is no longer running, and resolves
 * with their reports.
 */
export async function deliverWithWorkers(workers: ReturnType<typeof deliveryWorkers>, count: number, runDocumentId: string, env: Record<string, string> = {}) {
  const started = await workers.start(count, env);
  const reports = started.map(finished);
  for (const worker of started) worker.send({ go: { run: runDocumentId } });
  return Promise.all(reports);
}
