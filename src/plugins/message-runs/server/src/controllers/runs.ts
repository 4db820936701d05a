import type { Core } from '@strapi/strapi';
import { getService } from '../utils';
import { validateDocumentIdParam } from './validation/validate';
import { validateRunCriteria, validateRunsQuery } from './validation/runs';

/**
 * Who created the run: an admin user on admin routes, nobody on content-API routes. Strapi 5 sets no
 * `ctx.state.isAuthenticatedAdmin`; the auth strategy that authenticated the request says it.
 */
const adminUserId = (ctx) => (ctx.state.auth?.strategy?.name === 'admin' ? ctx.state.user?.id : undefined);

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
      const criteria = await validateRunCriteria(ctx.request.body);
      const { run, message } = await runs().create(criteria, { createdBy: adminUserId(ctx) });
      ctx.status = 201;
      ctx.body = { data: run, meta: { message } };
    },

    async start(ctx) {
      ctx.body = { data: await runs().transition(await validateDocumentIdParam(ctx.params.id), 'start') };
    },

    async stop(ctx) {
      ctx.body = { data: await runs().transition(await validateDocumentIdParam(ctx.params.id), 'stop') };
    },

    async delete(ctx) {
      ctx.body = { data: await runs().delete(await validateDocumentIdParam(ctx.params.id)) };
    },
  };
};
