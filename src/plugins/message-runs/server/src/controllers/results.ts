import type { Core } from '@strapi/strapi';
import { errors } from '@strapi/utils';
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
    async find(ctx) {
      const runId = await validateDocumentIdParam(ctx.params.id);
      const { filter, page } = await validateResultsQuery(ctx.query);
      const { results: data, pagination, counts } = await results().findPage(runId, filter, page);
      ctx.body = { data, meta: { pagination, counts } };
    },

    async resend(ctx) {
      const runId = await validateDocumentIdParam(ctx.params.id);
      ctx.body = { data: await results().resend(runId, await validateResendBody(ctx.request.body), actorOf(ctx)) };
    },

    async remove(ctx) {
      const runId = await validateDocumentIdParam(ctx.params.id);
      ctx.body = { data: await results().remove(runId, await validateRemoveBody(ctx.request.body), actorOf(ctx)) };
    },

    async preview(ctx) {
      ctx.body = { data: await results().preview(await validateDocumentIdParam(ctx.params.id)) };
    },

    /** The result's message, as the queue would send it now, to the given addresses only. */
    async testSend(ctx) {
      const resultId = await validateDocumentIdParam(ctx.params.id);
      const to = await validateTestSendBody(ctx.request.body);
      try {
        ctx.body = { data: await results().testSend(resultId, to, actorOf(ctx)) };
      } catch (error) {
        if (error instanceof errors.RateLimitError) ctx.set('Retry-After', String(error.details.retryAfter));
        throw error;
      }
    },

    /** The message as it was sent, byte for byte (an .eml file). */
    async attachment(ctx) {
      const id = await validateDocumentIdParam(ctx.params.id);
      const position = await validateAttachmentPosition(ctx.params.position);
      const { filename, contentType, content } = await results().attachment(id, position);
      ctx.attachment(filename || `attachment-${position}`);
      ctx.type = contentType || 'application/octet-stream';
      ctx.body = content;
    },

    async message(ctx) {
      const { bytes, filename } = await results().message(await validateDocumentIdParam(ctx.params.id));
      ctx.attachment(filename);
      ctx.type = 'message/rfc822';
      ctx.body = bytes;
    },

    async export(ctx) {
      const runId = await validateDocumentIdParam(ctx.params.id);
      const { filename, stream } = await results().exportCsv(runId, await validateExportQuery(ctx.query));
      ctx.type = 'text/csv; charset=utf-8';
      ctx.attachment(filename);
      ctx.body = stream;
    },
  };
};
