import type { Core } from '@strapi/strapi';
import type { ResultCounts } from '../../../shared/contracts/runs';
import { createRepositories } from '../data/repositories';

/** From this many results on, a run's counts may be served from a count at most COUNTS_MAX_AGE_MS old. */
const LARGE_RUN = 10_000;
const COUNTS_MAX_AGE_MS = 1000;

/**
 * Results per status of runs. Counting reads every result of a run (on PostgreSQL an index-only scan
 * of its 100k entries takes ~30 ms), and every results page and run view shows the counts: with many admins
 * watching a large run being delivered, that one statement alone would keep the database busy. So a
 * large run's counts are counted at most once a second per instance, and concurrent requests share
 * the count under way; a small run's are always counted afresh. Resend and remove forget the run's
 * count, so their effect shows at once; delivery progress on a large run shows within a second.
 */
export default ({ strapi }: { strapi: Core.Strapi }) => {
  const repositories = createRepositories(strapi);
  const recent = new Map<number, { counts: ResultCounts; countedAt: number }>();
  const underWay = new Map<number, Promise<ResultCounts>>();

  async function count(runIds: number[]) {
    const query = repositories.results.countByStatus(runIds);
    const shared = runIds.map((id) => [id, query.then((counted) => counted.get(id)!)] as const);
    for (const [id, counts] of shared) if (recent.has(id)) underWay.set(id, counts);
    try {
      const counted = await query;
      for (const [id, counts] of counted) {
        if (counts.total >= LARGE_RUN) recent.set(id, { counts, countedAt: Date.now() });
        else recent.delete(id);
      }
      return counted;
    } finally {
      for (const [id, counts] of shared) if (underWay.get(id) === counts) underWay.delete(id);
    }
  }

  return {
    async ofRuns(runIds: number[]): Promise<Map<number, ResultCounts>> {
      const counts = new Map<number, ResultCounts>();
      const waiting: Promise<unknown>[] = [];
      const toCount: number[] = [];
      for (const id of runIds) {
        const known = recent.get(id);
        if (known && Date.now() - known.countedAt < COUNTS_MAX_AGE_MS) counts.set(id, known.counts);
        else if (underWay.has(id)) waiting.push(underWay.get(id)!.then((shared) => counts.set(id, shared)));
        else toCount.push(id);
      }
      if (toCount.length) for (const [id, counted] of await count(toCount)) counts.set(id, counted);
      await Promise.all(waiting);
      return counts;
    },

    /** After results of the run changed status through the API: its next counts are fresh. */
    forget(runId: number) {
      recent.delete(runId);
    },
  };
};
