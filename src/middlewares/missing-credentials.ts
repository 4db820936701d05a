import type { Core } from '@strapi/strapi';

/**
 * With Users & Permissions, a content-API request without credentials is checked against the
 * Public role, and a route that role may not use answers 403. A client that sent no credentials at
 * all gets 401 instead, which tells it what is missing. Routes open to the Public role still answer.
 */
export default (): Core.MiddlewareHandler => async (ctx, next) => {
  await next();
  if (ctx.status === 403 && !ctx.request.header.authorization && ctx.state.route?.info?.type === 'content-api') {
    ctx.unauthorized('Missing credentials: send an API token as "Authorization: Bearer <token>"');
  }
};
