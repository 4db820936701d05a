'use strict';

/**
 * Request and reply over a forked process's IPC channel: the runner calls `request(child, cmd, args)`,
 * the child answers with the handler `serve` registered for `cmd`. Other messages (events such as
 * `{ handing }` or `{ received }`) pass by untouched.
 */
let nextId = 0;

/** No step of the suite may hang it: an answer that does not come within this long is an error. */
const ANSWER_TIMEOUT_MS = 240_000;

async function request(child, cmd, args = {}, timeoutMs = ANSWER_TIMEOUT_MS) {
  const id = ++nextId;
  const answer = nextMessage(child, (message) => message?.replyTo === id, timeoutMs);
  // A child that has died cannot be sent to: that is this request's failure, not an 'error' event
  // that would end the runner.
  const sent = new Promise((resolve, reject) => child.send({ id, cmd, args }, (error) => (error ? reject(error) : resolve())));
  const [, message] = await Promise.all([sent, answer]).catch((error) => {
    throw new Error(`${cmd}: ${error.message}`);
  });
  if (message.error) throw new Error(`${cmd}: ${message.error}`);
  return message.reply;
}

function serve(handlers) {
  // The runner is gone (finished, or killed by CI): nobody will ever stop this process otherwise.
  process.on('disconnect', () => process.exit(1));
  process.on('message', async (message) => {
    if (!message?.cmd) return;
    try {
      const handler = handlers[message.cmd];
      if (!handler) throw new Error(`unknown command ${message.cmd}`);
      process.send({ replyTo: message.id, reply: (await handler(message.args)) ?? null });
    } catch (error) {
      process.send({ replyTo: message.id, error: error.stack ?? String(error) });
    }
  });
}

/** Resolves with the first IPC message of the child that `test` accepts; rejects if the child exits first. */
function nextMessage(child, test, timeoutMs = ANSWER_TIMEOUT_MS) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      cleanUp();
      reject(new Error(`no such message within ${timeoutMs / 1000} s`));
    }, timeoutMs);
    const onMessage = (message) => {
      if (!test(message)) return;
      cleanUp();
      resolve(message);
    };
    const onExit = (code, signal) => {
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

module.exports = { request, serve, nextMessage };
