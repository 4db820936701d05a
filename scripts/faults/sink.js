'use strict';

/**
 * The fault suite's SMTP sink, a process of its own (fork it). Every message it accepts is reported to
 * the runner as `{ received: [resultId, …] }` (from the X-Fault-Result-Ids header the worker adds)
 * with the time it arrived (`at`, when its DATA began), before the 250 goes out, so the runner's tally
 * is complete even if the sink is taken down later.
 * Commands (scripts/lib/ipc.js): `down` (stop listening; open connections get 421 on their next
 * command), `up` (listen again on the same port), `storm` `{ on }` (451 to every RCPT and DATA),
 * `throttle` `{ every }` (454 "Throttling failure" to every n-th message's DATA; 0 stops),
 * `reject` `{ recipients }` (550 to these RCPT TO addresses), `delay` `{ ms }` (slow acceptance).
 */
const { SMTPServer } = require('smtp-server');
const { serve } = require('../lib/ipc');

const RESULT_HEADER = /^x-fault-result-ids:[ \t]*([0-9,]+)/im;
const state = { storm: false, rejected: new Set(), delayMs: 0, throttleEvery: 0, messages: 0 };
let server;
let port = 0;

const smtpError = (code, message) => Object.assign(new Error(message), { responseCode: code });

/** The header block of a message: all before the first empty line. */
function readHeader(stream) {
  return new Promise((resolve, reject) => {
    let text = '';
    stream.on('data', (chunk) => {
      if (text.length < 64 * 1024) text += chunk.toString('latin1');
    });
    stream.on('end', () => resolve(text.split(/\r?\n\r?\n/, 1)[0]));
    stream.on('error', reject);
  });
}

function createServer() {
  const smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    // `down` must not cut a message off between its data and the 250: connections only see the 421 on
    // their next command, and are cut after this long if they never send one.
    closeTimeout: 60_000,
    onRcptTo(address, _session, callback) {
      if (state.storm) return callback(smtpError(451, '4.3.0 Try again later (fault: 451 storm)'));
      if (state.rejected.has(address.address))
        return callback(smtpError(550, '5.1.1 Mailbox unavailable (fault: 550)'));
      callback();
    },
    onData(stream, _session, callback) {
      const at = Date.now();
      state.messages++;
      readHeader(stream).then(
        (header) => {
          if (state.storm) return callback(smtpError(451, '4.3.0 Try again later (fault: 451 storm)'));
          if (state.throttleEvery && state.messages % state.throttleEvery === 0) {
            return callback(smtpError(454, 'Throttling failure: Maximum sending rate exceeded (fault: 454)'));
          }
          const ids = header.replace(/\r?\n[ \t]+/g, ' ').match(RESULT_HEADER)?.[1];
          setTimeout(() => {
            process.send({ received: ids ? ids.split(',').map(Number) : [], at });
            callback();
          }, state.delayMs);
        },
        (error) => callback(error)
      );
    },
  });
  // A worker killed mid-message resets its connection: expected here.
  smtp.on('error', () => {});
  return smtp;
}

function listen() {
  server = createServer();
  return new Promise((resolve) =>
    server.listen(port, '127.0.0.1', () => {
      port = server.server.address().port;
      resolve({ port });
    })
  );
}

serve({
  up: () => listen(),
  down() {
    server.close();
    return new Promise((resolve) => setImmediate(resolve));
  },
  storm({ on }) {
    state.storm = on;
  },
  reject({ recipients }) {
    state.rejected = new Set(recipients);
  },
  delay({ ms }) {
    state.delayMs = ms;
  },
  throttle({ every }) {
    state.throttleEvery = every;
  },
});
listen().then(({ port: listening }) => process.send({ listening }));
