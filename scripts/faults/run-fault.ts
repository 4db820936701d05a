import { createTestDatabase, type TestDatabaseClient } from '../lib/databases';
import { freshSecrets } from '../lib/secrets';
import { describeWindows } from '../lib/windows';
import { startSink, startWorker, waitFor, type FaultWorker } from './processes';
import type { Scenario } from './scenarios';
import { tally, type FinalState } from './tally';

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/**
 * One fault on one database: a fresh database, a sink, a worker that seeds a started run of
 * `messages` results, the fault injected while it is delivered, then, once the run is completed, the
 * tally of the sink's count against the database's final rows.
 */
export interface FaultSettings {
  messages: number;
  retryDelays: string;
  timeoutSeconds: number;
}

export async function runFault(scenario: Scenario, client: TestDatabaseClient, { messages, retryDelays, timeoutSeconds }: FaultSettings) {
  const startedAt = Date.now();
  const database = await createTestDatabase(client, { prefix: 'mr_faults' });
  const sink = await startSink();
  const workers: FaultWorker[] = [];
  try {
    const env = {
      ...process.env,
      ...freshSecrets(),
      ...database.env,
      LOG_LEVEL: process.env.FAULTS_LOG_LEVEL ?? 'error',
      STRAPI_STARTUP_BANNER: 'false',
      // The workers tick themselves, back to back, instead of every 5 seconds.
      MESSAGE_RUNS_CRON: 'false',
      SMTP_HOST: '127.0.0.1',
      SMTP_PORT: String(sink.port),
      WORKER_RETRY_DELAYS: retryDelays,
      // A throttled or unavailable server's messages are tried again this soon.
      MESSAGE_THROTTLE_RETRY_SECONDS: '1',
      ...scenario.env,
    };
    const spawn = async () => {
      const worker = await startWorker(env);
      workers.push(worker);
      return worker;
    };
    const first = await spawn();
    const seeded = await first.seed({ name: `faults-${scenario.name}`, size: scenario.messages ?? messages });
    const deliveringAt = Date.now();
    const injected = await scenario.inject({ sink, seeded, first, startWorker: spawn, database });
    const live = injected.workers ?? [first];

    let final: FinalState = { runStatus: 'unknown', results: [] };
    const problems: string[] = [];
    try {
      await waitFor(
        async () => {
          // A poll that fails (its connection was just dropped) is simply made again.
          final = await live[0].results(seeded.runId).catch(() => final);
          return final.runStatus === 'completed';
        },
        { what: 'the run to complete', timeoutMs: timeoutSeconds * 1000, everyMs: 500 }
      );
    } catch (error) {
      problems.push((error as Error).message);
    }
    const deliveredIn = Date.now() - deliveringAt;
    const counts = tally({ seeded, received: sink.received, final, ...injected });
    const windows = describeWindows(sink.receivedAt);
    const { bit, evidence, problems: faultProblems = [] } = injected.report();
    if (!bit) problems.push(`the fault did not hit delivery (${evidence})`);
    problems.push(...faultProblems);
    if (counts.beyondBound.length) {
      // The history of the first ones says how they went twice, which a rerun may not reproduce.
      const history = await live[0].historyOf({ resultIds: counts.beyondBound.slice(0, 3) }).catch(() => []);
      const said = history.map(({ resultId, type, detail }) => `${resultId} ${type} ${typeof detail === 'string' ? detail : JSON.stringify(detail)}`);
      if (said.length) problems.push(`history: ${said.join(' | ').slice(0, 1500)}`);
    }
    // The kept counts, after the fault, must equal a count of the results (DESIGN.md, "Kept counts").
    const drift = await live[0].countDrift().catch((error: Error) => [`the check broke off: ${error.message}`]);
    if (drift.length) problems.push(`kept counts differ from a recount: ${drift.slice(0, 5).join('; ')}`);
    await Promise.all(live.map((worker) => worker.stop()));
    return {
      fault: scenario.name,
      database: client,
      ...counts,
      keptCounts: drift.length ? `${drift.length} off` : '= recount',
      problems: [...problems, ...counts.problems],
      evidence,
      windows,
      time: `${seconds(deliveredIn)} (${seconds(Date.now() - startedAt)} with boot)`,
    };
  } finally {
    await sink.stop();
    for (const worker of workers) await worker.kill();
    await database.drop();
  }
}
