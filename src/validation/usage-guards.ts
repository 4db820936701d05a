import type { Core } from '@strapi/strapi';
import { ConflictError, nameFew } from '../plugins/message-runs/server/src/errors';

const SENDER_UID = 'api::message-sender.message-sender';
const TRANSFORMATION_UID = 'api::invoice-transformation.invoice-transformation';
const DEFINITION_UID = 'api::message-definition.message-definition';

type Definition = { documentId: string; name: string };

const inUse = (what: string, definitions: Definition[], consequence: string) =>
  new ConflictError(
    `${what} is used by message definitions ${nameFew(definitions.map(({ name }) => `"${name}"`))}: ${consequence}`,
    { definitions: definitions.map(({ documentId, name }) => ({ documentId, name })) }
  );

/**
 * Refuses (409) to take away what a message definition uses: deleting a sender it sends from (by
 * `fromKey`) or changing that sender's key, and deleting a transformation it attaches. Without this
 * the definition silently broke, and every run of it failed with `no-sender` or attached nothing. A
 * Document Service middleware, so REST, the Content Manager and code are refused alike.
 */
export function registerUsageGuards(strapi: Core.Strapi) {
  const definitions = (where: Record<string, unknown>): Promise<Definition[]> =>
    strapi.db.query(DEFINITION_UID).findMany({ where, select: ['documentId', 'name'], orderBy: { name: 'asc' } });
  const storedSender = (documentId: string) =>
    strapi.db.query(SENDER_UID).findOne({ where: { documentId }, select: ['key'] });

  strapi.documents.use(async (ctx, next) => {
    const { documentId, data } = ctx.params as { documentId?: string; data?: Record<string, unknown> };
    if (!documentId) return next();

    if (ctx.uid === SENDER_UID && (ctx.action === 'delete' || (ctx.action === 'update' && data?.key !== undefined))) {
      const sender = await storedSender(documentId);
      if (sender && (ctx.action === 'delete' || data!.key !== sender.key)) {
        const users = await definitions({ fromKey: sender.key });
        if (users.length) {
          const refused = ctx.action === 'delete' ? 'deleted' : 're-keyed';
          throw inUse(
            `Message sender "${sender.key}"`,
            users,
            `it cannot be ${refused} until they send from another sender`
          );
        }
      }
    }

    if (ctx.uid === TRANSFORMATION_UID && ctx.action === 'delete') {
      const users = await definitions({ invoiceTransformations: { documentId } });
      if (users.length) {
        const { name } = await strapi.db.query(TRANSFORMATION_UID).findOne({ where: { documentId }, select: ['name'] });
        throw inUse(`Invoice transformation "${name}"`, users, 'it cannot be deleted until they no longer attach it');
      }
    }
    return next();
  });
}
