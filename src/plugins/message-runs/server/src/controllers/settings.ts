import type { Core } from '@strapi/strapi';
import type Koa from 'koa';
import type { GetSettings, SendTestEmail } from '../../../shared/contracts/settings';
import { getService } from '../utils';
import { validateTestEmailBody } from './validation/admin';

export default ({ strapi }: { strapi: Core.Strapi }) => {
  const settings = () => getService(strapi, 'settings');

  return {
    async find(ctx: Koa.Context) {
      ctx.body = { data: await settings().get() } satisfies GetSettings.Response;
    },

    async testEmail(ctx: Koa.Context) {
      const to = await validateTestEmailBody(ctx.request.body);
      ctx.body = { data: await settings().sendTestEmail(to) } satisfies SendTestEmail.Response;
    },
  };
};
