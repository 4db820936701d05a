import path from 'path';
import { fork, type ChildProcess } from 'child_process';

/**
 * Other Strapi instances serving HTTP on the test's database (tests/helpers/http-instance.js), as
 * servers behind one load balancer sharing one PostgreSQL. `kill()` in afterAll ends them.
 */
export function httpInstances() {
  const children: ChildProcess[] = [];
  return {
    /** Starts one with this process's env (the test database, the secrets); resolves with its base URL. */
    async start(): Promise<string> {
      const child = fork(path.join(__dirname, 'http-instance.js'), [], { env: process.env, stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
      children.push(child);
      const { port } = await new Promise<{ port: number }>((resolve, reject) => {
        child.once('message', resolve as (message: unknown) => void);
        child.once('exit', (code) => reject(new Error(`instance exited with ${code} before it listened`)));
      });
      return `http://127.0.0.1:${port}`;
    },
    kill() {
      for (const child of children) child.kill('SIGKILL');
    },
  };
}
