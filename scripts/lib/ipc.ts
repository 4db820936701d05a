import type { ChildProcess } from 'child_process';

/**
 * Request and reply over a forked process's IPC channel: the runner calls `request(child, cmd, args)`,
 * the child answers with the handler `serve` registered for `cmd`. Other messages (events such as
 * `{ handing }` or `{ received }`) pass by untouched.
 */
let nextId = 0;

/** No step of the suite may hang it: an answer that does not come within this long is an error. */
const ANSWER_TIMEOUT_MS = 240_000;

interface Reply {
  replyTo: number;
  reply?: unknown;
  error?: string;
}
interface Command {
  id: number;
  cmd: string;
  args: unknown;
}

/** Sends `cmd` with `args` to the child; resolves with its handler's answer (typed by the caller). */
export async function request<Answer = unknown>(
  child: ChildProcess,
  cmd: string,
  args: unknown = {},
  timeoutMs = ANSWER_TIMEOUT_MS
): Promise<Answer> {
  const id = ++nextId;
  const answer = nextMessage<Reply>(child, (message) => message.replyTo === id, timeoutMs);
  // A child that has died cannot be sent to: that is this request's failure, not an 'error' event
  // that would end the runner.
  const sent = new Promise<void>((resolve, reject) =>
    child.send({ id, cmd, args }, (error) => (error ? reject(error) : resolve()))
  );
  const [, message] = await Promise.all([sent, answer]).catch((error: Error) => {
    throw new Error(`${cmd}: ${error.message}`);
  });
  if (message.error) throw new Error(`${cmd}: ${message.error}`);
  return message.reply as Answer;
}

/**
 * Answers the runner's commands with these handlers (in the child). Each handler takes the command's
 * args; what it returns (or resolves with) is the reply.
 */
// `never` args: any handler's own argument type is accepted; the runner's request supplies it.
export function serve(handlers: Record<string, (args: never) => unknown>) {
  // The runner is gone (finished, or killed by CI): nobody will ever stop this process otherwise.
  process.on('disconnect', () => process.exit(1));
  process.on('message', async (message: Partial<Command>) => {
    if (!message?.cmd) return;
    try {
      const handler = handlers[message.cmd] as ((args: unknown) => unknown) | undefined;
      if (!handler) throw new Error(`unknown command ${message.cmd}`);
      process.send!({ replyTo: message.id, reply: (await handler(message.args)) ?? null });
    } catch (error) {
      process.send!({ replyTo: message.id, error: (error as Error).stack ?? String(error) });
    }
  });
}

/** Resolves with the first IPC message of the child that `test` accepts; rejects if the child exits first. */
export function nextMessage<Message extends object>(
  child: ChildProcess,
  test: (message: Partial<Message>) => boolean,
  timeoutMs = ANSWER_TIMEOUT_MS
): Promise<Message> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      cleanUp();
      reject(new Error(`no such message within ${timeoutMs / 1000} s`));
    }, timeoutMs);
    const onMessage = (message: unknown) => {
      if (typeof message !== 'object' || message === null || !test(message as Partial<Message>)) return;
      cleanUp();
      resolve(message as Message);
    };
    const onExit = (code: number | null, signal: NodeJS.Signals | null) => {
      cleanUp();
      reject(new Error(`the process exited (${signal ?? code})`));
    };
    const cleanUp = () => {
      clearTimeout(timer);
      child.off('message', onMessage);
      child.off('exit', onExit);
    };
    child.on('message', onMessage);
    child.once('exit', onExit);
  });
}
