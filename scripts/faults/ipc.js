'use strict';

/**
 * Request and reply over a forked process's IPC channel: the runner calls `request(child, cmd, args)`,
 * the child answers with the handler `serve` registered for `cmd`. Other messages (events such as
 * `{ handing }` or `{ received }`) pass by untouched.
 */
let nextId = 0;

function request(child, cmd, args = {}) {
  const id = ++nextId;
  return new Promise((resolve, reject) => {
    const onMessage = (message) => {
      if (message?.replyTo !== id) return;
      cleanUp();
      if (message.error) reject(new Error(`${cmd}: ${message.error}`));
      else resolve(message.reply);
    };
    const onExit = (code, signal) => {
      cleanUp();
      reject(new Error(`${cmd}: the process exited (${signal ?? code}) before it answered`));
    };
    const cleanUp = () => {
      child.off('message', onMessage);
      child.off('exit', onExit);
    };
    child.on('message', onMessage);
    child.once('exit', onExit);
    child.send({ id, cmd, args });
  });
}

function serve(handlers) {
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
function nextMessage(child, test) {
  return new Promise((resolve, reject) => {
    const onMessage = (message) => {
      if (!test(message)) return;
      child.off('exit', onExit);
      child.off('message', onMessage);
      resolve(message);
    };
    const onExit = (code, signal) => {
      child.off('message', onMessage);
      reject(new Error(`the process exited (${signal ?? code})`));
    };
    child.on('message', onMessage);
    child.once('exit', onExit);
  });
}

module.exports = { request, serve, nextMessage };
