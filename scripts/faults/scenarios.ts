import { Client } from 'pg';
import type { StartedRun } from '../lib/bulk-run';
import { postgresServer, type TestDatabase } from '../lib/databases';
import { busiestWindowAt } from '../lib/windows';
import { waitFor, type FaultSink, type FaultWorker } from './processes';

/**
 * The faults. Each `inject` gets the fault's context (sink, the seeding worker, a way to start more,
 * the seeded run) once the run is started, drives delivery through the fault, and returns what the
 * tally needs besides the sink's and the database's counts: `allowedDuplicates` (ids a SIGKILLed
 * worker handed to SMTP without recording the outcome), `rejected` (recipients the sink refuses for
 * good), the `workers` still running, and `report()`, asked once the run is done: whether the fault
 * really hit delivery (`bit`), the evidence, and `problems` the fault itself found (if any).
 */

export interface FaultContext {
  sink: FaultSink;
  seeded: StartedRun;
  /** The worker that seeded the run; it has not started delivering yet. */
  first: FaultWorker;
  startWorker: () => Promise<FaultWorker>;
  database: TestDatabase;
}

export interface Injected {
  workers?: FaultWorker[];
  allowedDuplicates?: Set<number>;
  rejected?: Set<string>;
  report(): { bit: boolean; evidence: string; problems?: string[] };
}

export interface Scenario {
  name: string;
  title: string;
  /** Added to the workers' environment. */
  env?: Record<string, string>;
  /** The run's size, if not the suite's. */
  messages?: number;
  /** Why the fault is left out on SQLite, if it is. */
  postgresOnly?: string;
  inject(context: FaultContext): Promise<Injected>;
}

const handedSoFar = (workers: FaultWorker[]) => workers.reduce((sum, worker) => sum + worker.handing.size, 0);
const transientSoFar = (workers: FaultWorker[]) => workers.reduce((sum, worker) => sum + worker.outcomes.transient, 0);

/** Starts the workers and waits until they have handed over `share` of the run's messages. */
async function deliverUntil(workers: FaultWorker[], seeded: StartedRun, share: number) {
  await Promise.all(workers.map((worker) => worker.go()));
  const target = Math.ceil(seeded.results.length * share);
  await waitFor(() => handedSoFar(workers) >= target, { what: `${target} messages handed to SMTP` });
}

/** Waits until the workers have met `count` transient failures, then lets the fault last `holdMs` more. */
async function holdUntilTransient(workers: FaultWorker[], count: number, holdMs: number) {
  await waitFor(() => transientSoFar(workers) >= count, { what: `${count} transient SMTP failures` });
  await new Promise((resolve) => setTimeout(resolve, holdMs));
}

const sigkill: Scenario = {
  name: 'sigkill-worker',
  title: 'SIGKILL of a worker mid-batch, then a new worker',
  // A dead worker's claims come back after this; the new worker waits for it.
  env: { WORKER_LEASE_SECONDS: '3' },
  async inject({ sink, seeded, first, startWorker }) {
    await sink.delay(20); // messages in flight when the kill comes
    await deliverUntil([first], seeded, 0.3);
    await first.kill();
    await sink.delay(0);
    const next = await startWorker();
    // Nothing ticks yet: what the dead worker still held is exactly what it never recorded. The bound
    // on duplicates is the database's own record: only results marked handed to SMTP may be sent twice.
    const { results } = await next.results(seeded.runId);
    const unrecorded = results.filter((row) => row.status === 'sending' && row.lockedBy === first.workerId);
    const allowedDuplicates = new Set(unrecorded.filter((row) => row.handedAt).map((row) => row.id));
    const handedUnreported = [...allowedDuplicates].filter((id) => !first.handing.has(id));
    await next.go();
    return {
      workers: [next],
      allowedDuplicates,
      report: () => ({
        bit: unrecorded.length > 0,
        evidence: `killed after ${first.handing.size} handed: ${unrecorded.length} claimed but unrecorded, ${allowedDuplicates.size} of them marked handed (dup bound; ${handedUnreported.length} of those never reached the transport)`,
      }),
    };
  },
};

/**
 * The server's port closed: every attempt fails on the server's side, so the run pauses itself after
 * `pauseAfterFailures` of them, with its unsent results queued; the port opens, an admin presses
 * Start, and every message goes once.
 */
const closedPortPause: Scenario = {
  name: 'closed-port-pause',
  title: 'SMTP port closed: the run pauses itself; port open again, then Start',
  env: { MESSAGE_RUNS_PAUSE_AFTER_FAILURES: '20' },
  async inject({ sink, seeded, first }) {
    await deliverUntil([first], seeded, 0.2);
    await sink.down();
    await waitFor(async () => (await first.run(seeded.runDocumentId)).status === 'stopped', {
      what: 'the run to pause itself',
    });
    const paused = await first.run(seeded.runDocumentId);
    const { results } = await first.results(seeded.runId);
    const failedWhilePaused = results.filter((row) => row.status === 'failed').length;
    await sink.up();
    await first.transition(seeded.runDocumentId, 'start');
    const problems: string[] = [];
    if (paused.stopReason !== 'paused-after-failures') problems.push(`stopReason ${paused.stopReason}, not paused-after-failures`);
    if (failedWhilePaused) problems.push(`${failedWhilePaused} results failed while the server was down`);
    return {
      report: () => ({
        bit: first.outcomes.transient >= 20,
        evidence: `paused after ${first.outcomes.transient} attempts failed (${paused.counts.queued} queued, ${failedWhilePaused} failed; "${String(paused.lastError).slice(0, 60)}")`,
        problems,
      }),
    };
  },
};

/** A server that throttles every third message (454, as Amazon SES does): the pace drops, nothing fails. */
const throttle454: Scenario = {
  name: '454-throttling',
  title: '454 "Maximum sending rate exceeded" to every third message',
  async inject({ sink, seeded, first }) {
    await sink.throttle(3);
    await deliverUntil([first], seeded, 0.5);
    const { pace } = await first.settings();
    await sink.throttle(0);
    const slowest = Math.min(...pace.instances.map((instance) => instance.perSecond ?? Infinity));
    return {
      report: () => ({
        bit: first.outcomes.transient > 0 && pace.lastThrottledAt !== null,
        evidence: `${first.outcomes.transient} throttled (454), pace at half-way ${Number.isFinite(slowest) ? `${slowest.toFixed(1)}/s` : 'full speed'}`,
      }),
    };
  },
};

/**
 * An instance killed while it holds messages timed by the rate limit: the others keep to the limit
 * (the busiest window shows it), the killed one's allowance comes back, and nothing is lost.
 */
const LIMIT_PER_SECOND = 20;
const killWithAllowance: Scenario = {
  name: 'kill-rate-limited',
  title: `SIGKILL of an instance under a ${LIMIT_PER_SECOND}/s cluster limit, then a new one`,
  messages: 400,
  env: { WORKER_LEASE_SECONDS: '3', MESSAGE_RATE_LIMIT_PER_SECOND: String(LIMIT_PER_SECOND) },
  async inject({ sink, seeded, first, startWorker, database }) {
    const others = database.client === 'postgres' ? [await startWorker()] : [];
    await deliverUntil([first, ...others], seeded, 0.3);
    const killedAt = Date.now();
    await first.kill();
    const next = await startWorker();
    const { results } = await next.results(seeded.runId);
    const unrecorded = results.filter((row) => row.status === 'sending' && row.lockedBy === first.workerId);
    const allowedDuplicates = new Set(unrecorded.filter((row) => row.handedAt).map((row) => row.id));
    await next.go();
    return {
      workers: [next, ...others],
      allowedDuplicates,
      report: () => {
        const { count: busiest, start } = busiestWindowAt(sink.receivedAt, 1000);
        const sinceKill = (((start ?? killedAt) - killedAt) / 1000).toFixed(1);
        return {
          bit: first.handing.size > 0,
          evidence: `killed after ${first.handing.size} handed (${unrecorded.length} unrecorded); busiest second ${busiest} of ${LIMIT_PER_SECOND}, ${sinceKill} s after the kill`,
          problems: busiest > LIMIT_PER_SECOND ? [`${busiest} messages in one second, over the limit of ${LIMIT_PER_SECOND}`] : [],
        };
      },
    };
  },
};

const storm451: Scenario = {
  name: '451-storm',
  title: '451 to every RCPT and DATA for a while, then accepted',
  async inject({ sink, seeded, first }) {
    await deliverUntil([first], seeded, 0.2);
    await sink.storm(true);
    await holdUntilTransient([first], 10, 2000);
    await sink.storm(false);
    return {
      report: () => ({
        bit: first.outcomes.transient > 0,
        evidence: `${first.outcomes.transient} transient failures (451)`,
      }),
    };
  },
};

const reject550: Scenario = {
  name: '550-recipients',
  title: '550 for some recipients (must fail, not be lost)',
  async inject({ sink, seeded, first }) {
    const recipients = [...new Set(seeded.results.map((result) => result.recipient))];
    const rejected = new Set(recipients.filter((_, i) => i % 10 === 3));
    await sink.reject([...rejected]);
    await first.go();
    return {
      rejected,
      report: () => ({
        bit: first.outcomes.rejected > 0,
        evidence: `${rejected.size} of ${recipients.length} recipients refused`,
      }),
    };
  },
};

/** Drops every connection of the workers to the run's database, as a PostgreSQL restart or failover would. */
async function terminateBackends(databaseName: string) {
  const client = new Client({ ...postgresServer, database: databaseName });
  await client.connect();
  try {
    const { rows } = await client.query(
      'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()'
    );
    return rows.length;
  } finally {
    await client.end();
  }
}

/** "2 (Connection terminated unexpectedly)": how many ticks failed, and why. */
function describeTickErrors(workers: FaultWorker[]) {
  const errors = workers.flatMap((worker) => worker.tickErrors);
  const kinds = [...new Set(errors.map((message) => message.split('\n')[0].slice(0, 80)))];
  return errors.length ? `${errors.length} (${kinds.join('; ')})` : 'none';
}

const countRetriedWrites = (workers: FaultWorker[]) =>
  workers.flatMap((worker) => worker.warnings).filter((warning) => warning.includes('recording outcomes failed'))
    .length;

const pgDrop: Scenario = {
  name: 'pg-connections-dropped',
  title: 'PostgreSQL connections terminated while two workers deliver',
  postgresOnly: 'pg_terminate_backend is PostgreSQL; SQLite is an embedded file with no connection to drop',
  // A claim whose answer was lost with the connection is held by nobody until its lease runs out.
  env: { WORKER_LEASE_SECONDS: '10' },
  async inject({ seeded, first, startWorker, database }) {
    const workers = [first, await startWorker()];
    const terminated: number[] = [];
    await deliverUntil(workers, seeded, 0.2);
    for (const share of [0.2, 0.45, 0.7]) {
      const target = Math.ceil(seeded.results.length * share);
      await waitFor(() => handedSoFar(workers) >= target, { what: `${target} messages handed to SMTP` });
      terminated.push(await terminateBackends(database.name));
    }
    return {
      workers,
      report: () => ({
        bit: terminated.some((n) => n > 0),
        evidence: `terminated ${terminated.join('+')} backends; outcome writes retried: ${countRetriedWrites(workers)}; failed ticks: ${describeTickErrors(workers)}`,
      }),
    };
  },
};

const race: Scenario = {
  name: 'three-instances',
  title: 'three instances racing on one run',
  postgresOnly: 'SQLite is the single-instance embedded database by design',
  messages: 1500,
  async inject({ first, startWorker }) {
    const workers = [first, ...(await Promise.all([startWorker(), startWorker()]))];
    await Promise.all(workers.map((worker) => worker.go()));
    return {
      workers,
      report: () => ({
        bit: workers.every((worker) => worker.outcomes.sent > 0),
        evidence: `sent per instance: ${workers.map((worker) => worker.outcomes.sent).join(' / ')}`,
      }),
    };
  },
};

/** A server that takes longer per message than the lease allows for the backlog, and two instances sharing it. */
const slowServer: Scenario = {
  name: 'slow-server-two-instances',
  title: 'SMTP server taking 1 s per message, a 5 s lease, two instances',
  postgresOnly: 'SQLite is the single-instance embedded database by design',
  messages: 100,
  env: { WORKER_LEASE_SECONDS: '5' },
  async inject({ sink, first, startWorker }) {
    await sink.delay(1000);
    const workers = [first, await startWorker()];
    const startedAt = Date.now();
    await Promise.all(workers.map((worker) => worker.go()));
    return {
      workers,
      report: () => {
        const seconds = (Date.now() - startedAt) / 1000;
        return {
          // The backlog outlived the lease several times over, and both instances sent.
          bit: seconds > 2 * 5 && workers.every((worker) => worker.outcomes.sent > 0),
          evidence: `sent per instance ${workers.map((worker) => worker.outcomes.sent).join(' / ')} in ${seconds.toFixed(0)} s with a 5 s lease`,
        };
      },
    };
  },
};

/**
 * Stop while messages are at the server: only those finish; what the worker had claimed but not
 * handed over is queued again by Stop; nothing is handed after it; Start sends the rest once.
 */
const stopMidSend: Scenario = {
  name: 'stop-mid-send',
  title: 'Stop while messages are at a slow server, then Start',
  messages: 300,
  async inject({ sink, seeded, first }) {
    await sink.delay(300);
    await deliverUntil([first], seeded, 0.2);
    const { results: before } = await first.results(seeded.runId);
    const claimedBeforeStop = before.filter((row) => row.status === 'sending').length;
    const { counts } = await first.transition(seeded.runDocumentId, 'stop');
    const { results: atStop } = await first.results(seeded.runId);
    const unhandedAtStop = atStop.filter((row) => row.status === 'sending' && !row.handedAt).length;
    // The messages at the server finish; then nothing of the run is sent until Start.
    await waitFor(async () => !(await first.results(seeded.runId)).results.some((row) => row.status === 'sending'), {
      what: 'the messages at the server to finish',
    });
    const { results: settled } = await first.results(seeded.runId);
    const sentWhileStopped = settled.filter((row) => row.status === 'sent').length - counts.sent;
    const deliveredWhileStopped = sink.received.size;
    await first.transition(seeded.runDocumentId, 'start');
    await sink.delay(0);
    const problems: string[] = [];
    if (unhandedAtStop) problems.push(`${unhandedAtStop} results claimed but not handed over were still 'sending' after Stop`);
    if (sentWhileStopped > counts.sending) {
      problems.push(`${sentWhileStopped} sent after Stop, but only ${counts.sending} were at the server`);
    }
    if (deliveredWhileStopped !== counts.sent + sentWhileStopped) {
      problems.push(`the server got ${deliveredWhileStopped} messages before Start, the results say ${counts.sent + sentWhileStopped}`);
    }
    return {
      report: () => ({
        bit: claimedBeforeStop > counts.sending && counts.queued > 0,
        evidence: `${claimedBeforeStop} claimed just before Stop; Stop answered ${counts.sent} sent, ${counts.sending} at the server, ${counts.queued} queued; ${sentWhileStopped} finished while stopped`,
        problems,
      }),
    };
  },
};

export const scenarios: Scenario[] = [
  sigkill,
  closedPortPause,
  storm451,
  throttle454,
  reject550,
  pgDrop,
  race,
  slowServer,
  stopMidSend,
  killWithAllowance,
];
