import type { Core } from '@strapi/strapi';
import type Koa from 'koa';
import type { GetResultEvents, GetRunEvents } from '../../../shared/contracts/events';
import { getService } from '../utils';
import { validateDocumentIdParam } from './validation/validate';

// Each a `find` action, so that read-only API tokens (which may only find) read history too.

export const runEvents = ({ strapi }: { strapi: Core.Strapi }) => ({
  async find(ctx: Koa.Context) {
    const documentId = await validateDocumentIdParam(ctx.params.id);
    ctx.body = (await getService(strapi, 'history').ofRun(documentId)) satisfies GetRunEvents.Response;
  },
});

export const resultEvents = ({ strapi }: { strapi: Core.Strapi }) => ({
  async find(ctx: Koa.Context) {
    const documentId = await validateDocumentIdParam(ctx.params.id);
    ctx.body = (await getService(strapi, 'history').ofResult(documentId)) satisfies GetResultEvents.Response;
  },
});
