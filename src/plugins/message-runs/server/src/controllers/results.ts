import type { Core } from '@strapi/strapi';
import { errors } from '@strapi/utils';
import type Koa from 'koa';
import type {
  GetResults,
  PreviewResult,
  RemoveResults,
  ResendResults,
  TestSendResult,
} from '../../../shared/contracts/results';
import { getService } from '../utils';
import { actorOf } from './actor';
import { validateAttachmentPosition, validateDocumentIdParam } from './validation/validate';
import {
  validateExportQuery,
  validateRemoveBody,
  validateResendBody,
  validateResultsQuery,
  validateTestSendBody,
} from './validation/results';

export default ({ strapi }: { strapi: Core.Strapi }) => {
  const results = () => getService(strapi, 'results');

  return {
    async find(ctx: Koa.Context) {
      const runId = await validateDocumentIdParam(ctx.params.id);
      const { filter, page } = await validateResultsQuery(ctx.query);
      const { results: data, pagination, cursor, counts } = await results().findPage(runId, filter, page);
      ctx.body = { data, meta: { pagination, cursor, counts } } satisfies GetResults.Response;
    },

    async resend(ctx: Koa.Context) {
      const runId = await validateDocumentIdParam(ctx.params.id);
      const selection = await validateResendBody(ctx.request.body);
      ctx.body = { data: await results().resend(runId, selection, actorOf(ctx)) } satisfies ResendResults.Response;
    },

    async remove(ctx: Koa.Context) {
      const runId = await validateDocumentIdParam(ctx.params.id);
      const ids = await validateRemoveBody(ctx.request.body);
      ctx.body = { data: await results().remove(runId, ids, actorOf(ctx)) } satisfies RemoveResults.Response;
    },

    async preview(ctx: Koa.Context) {
      ctx.body = {
        data: await results().preview(await validateDocumentIdParam(ctx.params.id)),
      } satisfies PreviewResult.Response;
    },

    /** The result's message, as the queue would send it now, to the given addresses only. */
    async testSend(ctx: Koa.Context) {
      const resultId = await validateDocumentIdParam(ctx.params.id);
      const to = await validateTestSendBody(ctx.request.body);
      try {
        ctx.body = { data: await results().testSend(resultId, to, actorOf(ctx)) } satisfies TestSendResult.Response;
      } catch (error) {
        if (error instanceof errors.RateLimitError) ctx.set('Retry-After', String(error.details.retryAfter));
        throw error;
      }
    },

    /** One attachment of the result's message, as a file. */
    async attachment(ctx: Koa.Context) {
      const id = await validateDocumentIdParam(ctx.params.id);
      const position = await validateAttachmentPosition(ctx.params.position);
      const { filename, contentType, content } = await results().attachment(id, position);
      ctx.attachment(filename || `attachment-${position}`);
      ctx.type = contentType || 'application/octet-stream';
      ctx.body = content;
    },

    /** The message as it was sent, byte for byte (an .eml file). */
    async message(ctx: Koa.Context) {
      const { bytes, filename } = await results().message(await validateDocumentIdParam(ctx.params.id));
      ctx.attachment(filename);
      ctx.type = 'message/rfc822';
      ctx.body = bytes;
    },

    async export(ctx: Koa.Context) {
      const runId = await validateDocumentIdParam(ctx.params.id);
      const { filename, stream } = await results().exportCsv(runId, await validateExportQuery(ctx.query));
      ctx.type = 'text/csv; charset=utf-8';
      ctx.attachment(filename);
      ctx.body = stream;
    },
  };
};
