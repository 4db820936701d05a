import type { Core } from '@strapi/strapi';
import { getService } from '../utils';
import { validateOptionsQuery } from './validation/admin';

export default ({ strapi }: { strapi: Core.Strapi }) => {
  const options = () => getService(strapi, 'options');

  return {
    async definitions(ctx) {
      ctx.body = { data: await options().definitions(await validateOptionsQuery(ctx.query)) };
    },

    async clusters(ctx) {
      ctx.body = { data: await options().clusters(await validateOptionsQuery(ctx.query)) };
    },

    async recipientKeys(ctx) {
      ctx.body = { data: await options().recipientKeys(await validateOptionsQuery(ctx.query)) };
    },

    async senderKeys(ctx) {
      ctx.body = { data: await options().senderKeys(await validateOptionsQuery(ctx.query)) };
    },
  };
};
