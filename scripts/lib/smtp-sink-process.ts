/**
 * The SMTP sink (lib/smtp-sink.ts) in a process of its own, so that it does not share the measured or
 * faulted processes' CPU: start it with `forkSmtpSink` (lib/smtp-sink-client.ts). It sends
 * `{ listening: port }` once it listens. With `--report-each` (the fault suite) every message it accepts
 * is reported as `{ received: [resultId, …], at }` (from the X-Fault-Result-Ids header the fault worker
 * adds) before its 250 goes out, so the runner's tally is complete even if the sink is taken down later.
 * Commands (lib/ipc.ts): `count` and `times` (how many it accepted, and when), `down`, `up`, `storm`
 * `{ on }`, `throttle` `{ every }`, `reject` `{ recipients }`, `delay` `{ ms }` (see SinkBehaviour).
 */
import { serve } from './ipc';
import { startSmtpSink } from './smtp-sink';
import type { SinkCommands } from './smtp-sink-client';

const RESULT_HEADER = /^x-fault-result-ids:[ \t]*([0-9,]+)/im;
const reportEach = process.argv.includes('--report-each');

const resultIds = (head: string) =>
  head
    .replace(/\r?\n[ \t]+/g, ' ')
    .match(RESULT_HEADER)?.[1]
    ?.split(',')
    .map(Number) ?? [];

(async () => {
  const sink = await startSmtpSink({
    readHeaders: reportEach,
    onAccepted: reportEach ? ({ head, at }) => process.send!({ received: resultIds(head), at }) : undefined,
  });
  const commands: SinkCommands = {
    count: () => sink.receivedAt.length,
    times: () => sink.receivedAt,
    up: () => sink.up(),
    down: () => sink.down(),
    storm: ({ on }) => {
      sink.behaviour.storm = on;
    },
    reject: ({ recipients }) => {
      const rejected = new Set(recipients);
      sink.behaviour.rejectRecipient = (address) => rejected.has(address);
    },
    delay: ({ ms }) => {
      sink.behaviour.delayMs = ms;
    },
    throttle: ({ every }) => {
      sink.behaviour.throttleEvery = every;
    },
  };
  serve(commands);
  process.send!({ listening: sink.port });
})().catch((error) => {
  console.error(error);
  process.exit(1);
});
