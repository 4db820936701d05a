import type { Core } from '@strapi/strapi';
import { MAX_HISTORY_EVENTS, type GetResultEvents, type GetRunEvents } from '../../../shared/contracts/events';
import { findEvents, findSubjectId } from '../data/events';
import { resolveTables } from '../data/tables';
import { notFound } from '../errors';

/**
 * A result's history and a run's audit trail (DESIGN.md §3, "History"), also of a removed result or a
 * deleted run: its documentId is found through its `created` entry.
 */
export default ({ strapi }: { strapi: Core.Strapi }) => {
  async function read(kind: 'result' | 'run', documentId: string) {
    const knex = strapi.db.connection;
    const t = resolveTables(strapi);
    const id = await findSubjectId(knex, t, kind, documentId);
    if (id === undefined) throw notFound(kind === 'result' ? 'message result' : 'message run', documentId);
    const { events, truncated } = await findEvents(
      knex,
      t,
      kind === 'result' ? { resultId: id } : { runId: id },
      MAX_HISTORY_EVENTS
    );
    return { data: events, meta: { truncated } };
  }

  return {
    ofResult: (documentId: string) => read('result', documentId) as Promise<GetResultEvents.Response>,
    ofRun: (documentId: string) => read('run', documentId) as Promise<GetRunEvents.Response>,
  };
};
