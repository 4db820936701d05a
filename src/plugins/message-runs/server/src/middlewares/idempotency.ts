import type { Core } from '@strapi/strapi';
import { errors } from '@strapi/utils';
import { actorOf } from '../controllers/actor';
import { requestFingerprint, validKey, type Answer } from '../services/idempotency';
import { getService } from '../utils';

const REPLAYED_HEADER = 'Idempotent-Replayed';

/**
 * Stored and replayed: what the request did (2xx) or why it did nothing (4xx). Not a server error
 * (5xx) or a rate limit (429), which a retry should meet afresh; not a body other than JSON (a file).
 */
const isReplayable = ({ status, body }: Answer) =>
  status < 500 && status !== 429 && !Buffer.isBuffer(body) && typeof (body as { pipe?: unknown } | null)?.pipe !== 'function';

/**
 * The `Idempotency-Key` header (DESIGN.md §3, "Retrying safely"), on the routes flagged `idempotent`.
 * A route's middlewares run after authentication, authorization and policies, so the actor is known and
 * allowed: the key is the actor's own, and a repeat is replayed only to whom may make the request.
 */
const idempotency = (_config: unknown, { strapi }: { strapi: Core.Strapi }): Core.MiddlewareHandler => {
  // Strapi's own `errors` middleware makes the answer of an error the handler threw (a 400 of validation,
  // a 404), so that its repeats get exactly what Strapi answers (its status table is not exported).
  const strapiErrors = strapi.middleware('strapi::errors')({}, { strapi }) as Core.MiddlewareHandler;

  return async (ctx, next) => {
    const header = ctx.request.headers['idempotency-key'];
    if (header === undefined) return next();
    const key = validKey(header);
    const actor = actorOf(ctx);
    if (actor.id === null) throw new errors.ValidationError('Idempotency-Key needs an authenticated caller (an API token or a user)');
    const ref = { scope: `${actor.kind}:${actor.id}`, key };
    const service = getService(strapi, 'idempotency');

    const claim = await service.claim(ref, requestFingerprint(ctx.method, ctx.path, ctx.request.body));
    switch (claim.kind) {
      case 'replay':
        ctx.set(REPLAYED_HEADER, 'true');
        ctx.status = claim.answer.status;
        if (claim.answer.body !== null) ctx.body = claim.answer.body;
        return;
      case 'other-request':
        return ctx.unprocessableEntity(`Idempotency-Key "${key}" was first sent with another request (method, path or body)`, {
          idempotencyKey: key,
        });
      case 'in-progress':
        return ctx.conflict(`The first request with Idempotency-Key "${key}" is still under way; try again shortly`, {
          idempotencyKey: key,
        });
    }

    try {
      await next();
    } catch (error) {
      // A server error is not stored (a retry should meet it afresh): Strapi's outer middlewares answer it.
      if (!(error instanceof errors.ApplicationError)) {
        await service.release(ref, claim.holder);
        throw error;
      }
      await strapiErrors(ctx, () => Promise.reject(error));
    }
    const answer: Answer = { status: ctx.status, body: ctx.body ?? null };
    if (!isReplayable(answer)) return service.release(ref, claim.holder);
    try {
      await service.record(ref, claim.holder, answer);
    } catch (error) {
      // The request acted and is answered; a repeat may act again once the key counts as abandoned.
      strapi.log.warn(`[message-runs] storing the answer of an Idempotency-Key failed: ${(error as Error).message}`);
    }
  };
};

export default idempotency;
