import type { Core } from '@strapi/strapi';
import type Koa from 'koa';
import type {
  CreateRun,
  DeleteRun,
  GetRun,
  GetRuns,
  PreviewRun,
  RecountRun,
  ScheduleRun,
  TransitionRun,
} from '../../../shared/contracts/runs';
import { getService } from '../utils';
import { actorOf } from './actor';
import { validateDocumentIdParam } from './validation/validate';
import { validateNewRun, validateRunCriteria, validateRunsQuery, validateSchedule } from './validation/runs';

export default ({ strapi }: { strapi: Core.Strapi }) => {
  const runs = () => getService(strapi, 'runs');

  return {
    async find(ctx: Koa.Context) {
      const { page, pageSize, status } = await validateRunsQuery(ctx.query);
      const { runs: data, pagination } = await runs().findPage({ page, pageSize, status });
      ctx.body = { data, meta: { pagination } } satisfies GetRuns.Response;
    },

    async findOne(ctx: Koa.Context) {
      ctx.body = { data: await runs().findOne(await validateDocumentIdParam(ctx.params.id)) } satisfies GetRun.Response;
    },

    async preview(ctx: Koa.Context) {
      ctx.body = {
        data: await runs().preview(await validateRunCriteria(ctx.request.body)),
      } satisfies PreviewRun.Response;
    },

    async create(ctx: Koa.Context) {
      const { criteria, schedule } = await validateNewRun(ctx.request.body);
      const { run, message } = await runs().create(criteria, actorOf(ctx), schedule);
      ctx.status = 201;
      ctx.body = { data: run, meta: { message } } satisfies CreateRun.Response;
    },

    async start(ctx: Koa.Context) {
      const documentId = await validateDocumentIdParam(ctx.params.id);
      ctx.body = { data: await runs().transition(documentId, 'start', actorOf(ctx)) } satisfies TransitionRun.Response;
    },

    async schedule(ctx: Koa.Context) {
      const documentId = await validateDocumentIdParam(ctx.params.id);
      const schedule = await validateSchedule(ctx.request.body);
      ctx.body = { data: await runs().schedule(documentId, schedule, actorOf(ctx)) } satisfies ScheduleRun.Response;
    },

    async stop(ctx: Koa.Context) {
      const documentId = await validateDocumentIdParam(ctx.params.id);
      ctx.body = { data: await runs().transition(documentId, 'stop', actorOf(ctx)) } satisfies TransitionRun.Response;
    },

    async recount(ctx: Koa.Context) {
      const { run, drift } = await runs().recount(await validateDocumentIdParam(ctx.params.id));
      ctx.body = { data: run, meta: { drift } } satisfies RecountRun.Response;
    },

    async delete(ctx: Koa.Context) {
      ctx.body = {
        data: await runs().delete(await validateDocumentIdParam(ctx.params.id), actorOf(ctx)),
      } satisfies DeleteRun.Response;
    },
  };
};
