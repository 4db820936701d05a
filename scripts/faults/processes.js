'use strict';

const path = require('path');
const { fork } = require('child_process');
const { request, nextMessage } = require('../lib/ipc');

/** Every child this runner started, so a failed fault leaves none behind (killed by pid, nothing else). */
const children = new Set();

function forkChild(file, env) {
  const child = fork(path.join(__dirname, file), [], { env, stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

const exited = (child) =>
  child.exitCode !== null || child.signalCode !== null
    ? Promise.resolve()
    : new Promise((resolve) => child.once('exit', resolve));

function killAll() {
  for (const child of children) child.kill('SIGKILL');
}

/**
 * Polls `condition` until it holds; a fault waits on what happened, never on a fixed time, and the
 * timeout is generous because the machine may be busy.
 */
async function waitFor(condition, { what, timeoutMs = 180_000, everyMs = 50 }) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await condition()) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}

/**
 * The SMTP sink process (scripts/faults/sink.js); `received` counts, per result id, the messages it
 * accepted, and `receivedAt` holds when each arrived.
 */
async function startSink() {
  const child = forkChild('sink.js', process.env);
  const received = new Map();
  /** When each message arrived (ms since the epoch), for the busiest windows. */
  const receivedAt = [];
  child.on('message', (message) => {
    for (const id of message.received ?? []) received.set(id, (received.get(id) ?? 0) + 1);
    if (message.at) receivedAt.push(message.at);
  });
  const { listening: port } = await nextMessage(child, (message) => message.listening);
  const command = (cmd) => (args) => request(child, cmd, args);
  return {
    port,
    received,
    receivedAt,
    down: command('down'),
    up: command('up'),
    storm: (on) => request(child, 'storm', { on }),
    reject: (recipients) => request(child, 'reject', { recipients }),
    delay: (ms) => request(child, 'delay', { ms }),
    throttle: (every) => request(child, 'throttle', { every }),
    async stop() {
      child.kill();
      await exited(child);
    },
  };
}

/**
 * A worker process (scripts/faults/worker.js) once it has booted, with what it reported: the result
 * ids it handed to SMTP, per nodemailer answer (sent, transient, rejected) how many messages, and
 * its failed ticks and warnings.
 */
async function startWorker(env) {
  const child = forkChild('worker.js', env);
  const worker = { handing: new Set(), outcomes: { sent: 0, transient: 0, rejected: 0 }, tickErrors: [], warnings: [] };
  child.on('message', (message) => {
    for (const id of message.handing ?? []) worker.handing.add(id);
    if (message.handed) worker.outcomes[message.status] += 1;
    if (message.tickError) worker.tickErrors.push(message.tickError);
    if (message.warning) worker.warnings.push(message.warning);
  });
  const { ready } = await nextMessage(child, (message) => message.ready);
  return Object.assign(worker, {
    workerId: ready,
    seed: (args) => request(child, 'seed', args),
    results: (runId) => request(child, 'results', { runId }),
    transition: (runDocumentId, action) => request(child, 'transition', { runDocumentId, action }),
    run: (runDocumentId) => request(child, 'run', { runDocumentId }),
    settings: () => request(child, 'settings'),
    go: () => request(child, 'go'),
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

module.exports = { startSink, startWorker, waitFor, killAll };
