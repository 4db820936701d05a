import { fork } from 'child_process';
import path from 'path';
import { nextMessage, request } from './ipc';

/** The commands of the sink process (lib/smtp-sink-process.ts) and what each answers. */
export type SinkCommands = {
  count(): number;
  times(): number[];
  up(): Promise<void>;
  down(): Promise<void>;
  storm(args: { on: boolean }): void;
  reject(args: { recipients: string[] }): void;
  delay(args: { ms: number }): void;
  throttle(args: { every: number }): void;
};

/**
 * Forks the SMTP sink process; `onReceived` (the fault suite) gets the result ids of each message it
 * accepts, as it accepts it. The returned sink's methods are its commands, and `stop()` ends it.
 */
export async function forkSmtpSink({ onReceived }: { onReceived?: (resultIds: number[], at: number) => void } = {}) {
  const child = fork(path.join(__dirname, 'smtp-sink-process.ts'), onReceived ? ['--report-each'] : [], {
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  if (onReceived) {
    child.on('message', (message) => {
      const { received, at } = message as { received?: number[]; at?: number };
      if (received && at !== undefined) onReceived(received, at);
    });
  }
  const { listening: port } = await nextMessage<{ listening: number }>(child, (message) => 'listening' in message);
  const command =
    <Name extends keyof SinkCommands>(name: Name) =>
    (...args: Parameters<SinkCommands[Name]>) =>
      request<Awaited<ReturnType<SinkCommands[Name]>>>(child, name, args[0]);
  return {
    port,
    pid: child.pid!,
    count: command('count'),
    times: command('times'),
    up: command('up'),
    down: command('down'),
    storm: (on: boolean) => request(child, 'storm', { on }),
    reject: (recipients: string[]) => request(child, 'reject', { recipients }),
    delay: (ms: number) => request(child, 'delay', { ms }),
    throttle: (every: number) => request(child, 'throttle', { every }),
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill();
      await exited;
    },
  };
}

export type SinkProcess = Awaited<ReturnType<typeof forkSmtpSink>>;
