import type { Core } from '@strapi/strapi';
import type Koa from 'koa';
import type { GetClusterOptions, GetDefinitionOptions, GetKeyOptions } from '../../../shared/contracts/options';
import { getService } from '../utils';
import { validateOptionsQuery } from './validation/admin';

export default ({ strapi }: { strapi: Core.Strapi }) => {
  const options = () => getService(strapi, 'options');

  return {
    async definitions(ctx: Koa.Context) {
      ctx.body = {
        data: await options().definitions(await validateOptionsQuery(ctx.query)),
      } satisfies GetDefinitionOptions.Response;
    },

    async clusters(ctx: Koa.Context) {
      ctx.body = {
        data: await options().clusters(await validateOptionsQuery(ctx.query)),
      } satisfies GetClusterOptions.Response;
    },

    async recipientKeys(ctx: Koa.Context) {
      ctx.body = {
        data: await options().recipientKeys(await validateOptionsQuery(ctx.query)),
      } satisfies GetKeyOptions.Response;
    },

    async senderKeys(ctx: Koa.Context) {
      ctx.body = {
        data: await options().senderKeys(await validateOptionsQuery(ctx.query)),
      } satisfies GetKeyOptions.Response;
    },
  };
};
