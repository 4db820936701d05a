import { fork, type ChildProcess } from 'child_process';
import path from 'path';
import { nextMessage, request } from '../lib/ipc';
import { forkSmtpSink } from '../lib/smtp-sink-client';
import type { WorkerCommands, WorkerEvent } from './worker';

/** Every child this runner started, so a failed fault leaves none behind (killed by pid, nothing else). */
const children = new Set<ChildProcess>();

function forkChild(file: string, env: NodeJS.ProcessEnv) {
  const child = fork(path.join(__dirname, file), [], { env, stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

const exited = (child: ChildProcess) =>
  child.exitCode !== null || child.signalCode !== null
    ? Promise.resolve()
    : new Promise((resolve) => child.once('exit', resolve));

export function killAll() {
  for (const child of children) child.kill('SIGKILL');
}

/**
 * Polls `condition` until it holds; a fault waits on what happened, never on a fixed time, and the
 * timeout is generous because the machine may be busy.
 */
export async function waitFor(
  condition: () => boolean | Promise<boolean>,
  { what, timeoutMs = 180_000, everyMs = 50 }: { what: string; timeoutMs?: number; everyMs?: number }
) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await condition()) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}

/**
 * The SMTP sink process (lib/smtp-sink-process.ts); `received` counts, per result id, the messages it
 * accepted, and `receivedAt` holds when each arrived.
 */
export async function startSink() {
  const received = new Map<number, number>();
  /** When each message arrived (ms since the epoch), for the busiest windows. */
  const receivedAt: number[] = [];
  const sink = await forkSmtpSink({
    onReceived(ids, at) {
      for (const id of ids) received.set(id, (received.get(id) ?? 0) + 1);
      receivedAt.push(at);
    },
  });
  return Object.assign(sink, { received, receivedAt });
}

export type FaultSink = Awaited<ReturnType<typeof startSink>>;

/** Sends a worker command; resolves with what the worker's handler answers. */
const command =
  <Name extends keyof WorkerCommands>(child: ChildProcess, name: Name) =>
  (...args: Parameters<WorkerCommands[Name]>) =>
    request<Awaited<ReturnType<WorkerCommands[Name]>>>(child, name, args[0]);

/**
 * A worker process (faults/worker.ts) once it has booted, with what it reported: the result ids it
 * handed to SMTP, per nodemailer answer (sent, transient, rejected) how many messages, and its failed
 * ticks and warnings.
 */
export async function startWorker(env: NodeJS.ProcessEnv) {
  const child = forkChild('worker.ts', env);
  const worker = {
    handing: new Set<number>(),
    outcomes: { sent: 0, transient: 0, rejected: 0 },
    tickErrors: [] as string[],
    warnings: [] as string[],
  };
  child.on('message', (message: WorkerEvent) => {
    if ('handing' in message) for (const id of message.handing) worker.handing.add(id);
    if ('handed' in message) worker.outcomes[message.status] += 1;
    if ('tickError' in message) worker.tickErrors.push(message.tickError);
    if ('warning' in message) worker.warnings.push(message.warning);
  });
  const { ready } = await nextMessage<{ ready: string }>(child, (message) => 'ready' in message);
  return Object.assign(worker, {
    workerId: ready,
    seed: command(child, 'seed'),
    results: (runId: number) => command(child, 'results')({ runId }),
    historyOf: command(child, 'historyOf'),
    countDrift: command(child, 'countDrift'),
    transition: (runDocumentId: string, action: 'start' | 'stop') =>
      command(child, 'transition')({ runDocumentId, action }),
    run: (runDocumentId: string) => command(child, 'run')({ runDocumentId }),
    settings: command(child, 'settings'),
    go: command(child, 'go'),
    async stop() {
      await request(child, 'stop');
      await exited(child);
    },
    async kill() {
      child.kill('SIGKILL');
      await exited(child);
    },
  });
}

export type FaultWorker = Awaited<ReturnType<typeof startWorker>>;
