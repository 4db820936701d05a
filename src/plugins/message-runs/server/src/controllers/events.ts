import type { Core } from '@strapi/strapi';
import type Koa from 'koa';
import type { ReceiveProviderEvents } from '../../../shared/contracts/provider-events';
import { getService } from '../utils';
import { WebhookUnauthorized } from '../services/provider-events';

/** koa-body's key for the body as it arrived (`includeUnparsed` in config/middlewares.ts). */
const UNPARSED_BODY = Symbol.for('unparsedBody');

/** The JSON body's text as it arrived, which koa-body keeps on the parsed object. */
const unparsedJson = (ctx: Koa.Context, body: unknown): string | undefined =>
  ctx.is('json') && body && typeof body === 'object'
    ? (body as { [UNPARSED_BODY]?: string })[UNPARSED_BODY]
    : undefined;

export default ({ strapi }: { strapi: Core.Strapi }) => ({
  /** A mail provider's webhook call: the provider's own signature or credentials authenticate it. */
  async receive(ctx: Koa.Context) {
    const body: unknown = ctx.request.body;
    try {
      const data = await getService(strapi, 'providerEvents').receive(ctx.params.provider, {
        headers: ctx.request.headers,
        body,
        rawBody: unparsedJson(ctx, body),
      });
      ctx.body = { data } satisfies ReceiveProviderEvents.Response;
    } catch (error) {
      if (!(error instanceof WebhookUnauthorized)) throw error;
      // Answered here: Strapi's authorize step, around every handler, turns a thrown 401 into a bare "Unauthorized".
      if (error.challenge) ctx.set('WWW-Authenticate', error.challenge);
      ctx.unauthorized(error.message);
    }
  },
});
