import type { Core } from '@strapi/strapi';
import { getService } from '../utils';
import { validateDocumentIdParam } from './validation/validate';

// Each a `find` action, so that read-only API tokens (which may only find) read history too.

export const runEvents = ({ strapi }: { strapi: Core.Strapi }) => ({
  async find(ctx) {
    ctx.body = await getService(strapi, 'history').ofRun(await validateDocumentIdParam(ctx.params.id));
  },
});

export const resultEvents = ({ strapi }: { strapi: Core.Strapi }) => ({
  async find(ctx) {
    ctx.body = await getService(strapi, 'history').ofResult(await validateDocumentIdParam(ctx.params.id));
  },
});
