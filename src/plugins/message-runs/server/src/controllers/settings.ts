import type { Core } from '@strapi/strapi';
import { getService } from '../utils';
import { validateTestEmailBody } from './validation/admin';

export default ({ strapi }: { strapi: Core.Strapi }) => {
  const settings = () => getService(strapi, 'settings');

  return {
    async find(ctx) {
      ctx.body = { data: await settings().get() };
    },

    async testEmail(ctx) {
      ctx.body = { data: await settings().sendTestEmail(await validateTestEmailBody(ctx.request.body)) };
    },
  };
};
