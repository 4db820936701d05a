import type { Core } from '@strapi/strapi';
import { getService } from '../utils';
import { WebhookUnauthorized } from '../services/provider-events';

/** koa-body's key for the body as it arrived (`includeUnparsed` in config/middlewares.ts). */
const UNPARSED_BODY = Symbol.for('unparsedBody');

export default ({ strapi }: { strapi: Core.Strapi }) => ({
  /** A mail provider's webhook call: the provider's own signature or credentials authenticate it. */
  async receive(ctx) {
    const body = ctx.request.body;
    try {
      const data = await getService(strapi, 'providerEvents').receive(ctx.params.provider, {
        headers: ctx.request.headers,
        body,
        rawBody: ctx.is('json') && body && typeof body === 'object' ? body[UNPARSED_BODY] : undefined,
      });
      ctx.body = { data };
    } catch (error) {
      if (!(error instanceof WebhookUnauthorized)) throw error;
      // Answered here: Strapi's authorize step, around every handler, turns a thrown 401 into a bare "Unauthorized".
      if (error.challenge) ctx.set('WWW-Authenticate', error.challenge);
      ctx.unauthorized(error.message);
    }
  },
});
