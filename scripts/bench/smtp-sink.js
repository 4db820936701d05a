/**
 * The benchmark's SMTP sink, in a process of its own so that it does not share the measured
 * process's CPU: it accepts every message, reads it to the end and counts it. `fork` it; it sends
 * `{ port }` when it listens, answers `'count'` with `{ count }`, and `'times'` with `{ times }`: when
 * each message arrived (its DATA began, ms since the epoch), for the rate limits' busiest windows.
 */
const { SMTPServer } = require('smtp-server');

let count = 0;
const times = [];
const server = new SMTPServer({
  authOptional: true,
  disabledCommands: ['STARTTLS', 'AUTH'],
  logger: false,
  onData(stream, _session, callback) {
    times.push(Date.now());
    stream.on('end', () => {
      count++;
      callback();
    });
    stream.resume();
  },
});
server.on('error', () => {});
server.listen(0, '127.0.0.1', () => process.send({ port: server.server.address().port }));
// Ends with the bench process, even when that one fails.
process.on('disconnect', () => process.exit(0));
process.on('message', (message) => {
  if (message === 'count') process.send({ count });
  if (message === 'times') process.send({ times });
});
