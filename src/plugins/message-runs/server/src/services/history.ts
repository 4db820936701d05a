import type { Core } from '@strapi/strapi';
import { MAX_HISTORY_EVENTS, type GetResultEvents, type GetRunEvents } from '../../../shared/contracts/events';
import { createRepositories } from '../data/repositories';
import { notFound } from '../errors';

/**
 * A result's history and a run's audit trail (DESIGN.md §3, "History"), also of a removed result or a
 * deleted run: its documentId is found through its `created` entry.
 */
export default ({ strapi }: { strapi: Core.Strapi }) => {
  const { events } = createRepositories(strapi);

  async function read(kind: 'result' | 'run', documentId: string) {
    const id = await events.findSubjectId(kind, documentId);
    if (id === undefined) throw notFound(kind === 'result' ? 'message result' : 'message run', documentId);
    const found = await events.find(kind === 'result' ? { resultId: id } : { runId: id }, MAX_HISTORY_EVENTS);
    return { data: found.events, meta: { truncated: found.truncated } };
  }

  return {
    ofResult: (documentId: string) => read('result', documentId) as Promise<GetResultEvents.Response>,
    ofRun: (documentId: string) => read('run', documentId) as Promise<GetRunEvents.Response>,
  };
};
