import type { Core } from '@strapi/strapi';
import { getService } from '../utils';
import { actorOf } from './actor';
import { validateDocumentIdParam } from './validation/validate';
import { validateNewRun, validateRunCriteria, validateRunsQuery, validateSchedule } from './validation/runs';

export default ({ strapi }: { strapi: Core.Strapi }) => {
  const runs = () => getService(strapi, 'runs');

  return {
    async find(ctx) {
      const { page, pageSize, status } = await validateRunsQuery(ctx.query);
      const { runs: data, pagination } = await runs().findPage({ page, pageSize, status });
      ctx.body = { data, meta: { pagination } };
    },

    async findOne(ctx) {
      ctx.body = { data: await runs().findOne(await validateDocumentIdParam(ctx.params.id)) };
    },

    async preview(ctx) {
      ctx.body = { data: await runs().preview(await validateRunCriteria(ctx.request.body)) };
    },

    async create(ctx) {
      const { criteria, schedule } = await validateNewRun(ctx.request.body);
      const { run, message } = await runs().create(criteria, actorOf(ctx), schedule);
      ctx.status = 201;
      ctx.body = { data: run, meta: { message } };
    },

    async start(ctx) {
      ctx.body = { data: await runs().transition(await validateDocumentIdParam(ctx.params.id), 'start', actorOf(ctx)) };
    },

    async schedule(ctx) {
      const documentId = await validateDocumentIdParam(ctx.params.id);
      const schedule = await validateSchedule(ctx.request.body);
      ctx.body = { data: await runs().schedule(documentId, schedule, actorOf(ctx)) };
    },

    async stop(ctx) {
      ctx.body = { data: await runs().transition(await validateDocumentIdParam(ctx.params.id), 'stop', actorOf(ctx)) };
    },

    async delete(ctx) {
      ctx.body = { data: await runs().delete(await validateDocumentIdParam(ctx.params.id), actorOf(ctx)) };
    },
  };
};
