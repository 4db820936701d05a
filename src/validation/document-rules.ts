import type { Core, Modules, UID } from '@strapi/strapi';
import type { Knex } from 'knex';
import { errors } from '@strapi/utils';

/** One problem with a document, on the field (a path for nested fields) that causes it. */
export interface FieldProblem {
  path: (string | number)[];
  message: string;
}

/** A document as the Document Service returns it: its fields are the content type's, untyped here. */
type StoredDocument = Modules.Documents.AnyDocument;

export interface DocumentRules {
  /** What `check` needs of the stored document beyond its scalar fields and components. */
  populate?: Record<string, unknown>;
  /**
   * Problems of the document as it is stored after the write. It runs inside the write's
   * transaction (raw knex must use `trx`), so a problem rolls the write back, and it sees the
   * final state whatever form the write took (a partial update, relations by `connect`/`set`).
   */
  check(
    stored: StoredDocument,
    context: { strapi: Core.Strapi; trx: Knex.Transaction; previous?: StoredDocument | null }
  ): FieldProblem[] | Promise<FieldProblem[]>;
}

export const problem = (path: FieldProblem['path'], message: string): FieldProblem => ({ path, message });

const formatPath = (path: FieldProblem['path']) =>
  path.reduce<string>((text, part) => (typeof part === 'number' ? `${text}[${part}]` : text ? `${text}.${part}` : part), '');

/** A 400 in Strapi's shape: the message names the field, and `details.errors` lets the Content Manager mark it. */
const toValidationError = (problems: FieldProblem[]) => {
  const messages = problems.map(({ path, message }) => `${formatPath(path)} ${message}`);
  return new errors.ValidationError(messages.join('; '), {
    errors: problems.map(({ path, message }, i) => ({ path, message: messages[i], name: 'ValidationError' })),
  });
};

/**
 * Validates writes of the given content types in a Document Service middleware, so the rules hold
 * for REST, the Content Manager and code that calls `strapi.documents()` alike.
 */
export function registerDocumentRules(strapi: Core.Strapi, rulesByUid: Partial<Record<UID.ContentType, DocumentRules>>) {
  strapi.documents.use(async (ctx, next) => {
    const rules = rulesByUid[ctx.uid];
    if (!rules || (ctx.action !== 'create' && ctx.action !== 'update')) {
      return next();
    }
    const load = (documentId: string) =>
      strapi.documents(ctx.uid).findOne({
        documentId,
        populate: { ...rules.populate, ...componentPopulate(strapi, ctx.uid) } as Modules.Documents.Params.Populate.Any<UID.ContentType>,
      });

    return strapi.db.transaction(async ({ trx }) => {
      const documentId = (ctx.params as { documentId?: string }).documentId;
      const previous = ctx.action === 'update' && documentId ? await load(documentId) : undefined;
      const written = await next();
      const writtenId = (written as { documentId?: string } | null)?.documentId;
      if (!writtenId) {
        return written;
      }
      const stored = await load(writtenId);
      // Written in this transaction, so it is there to load.
      const problems = await rules.check(stored!, { strapi, trx, previous });
      if (problems.length) {
        throw toValidationError(problems);
      }
      return written;
    });
  });
}

const componentPopulate = (strapi: Core.Strapi, uid: UID.ContentType) =>
  Object.fromEntries(
    Object.entries(strapi.getModel(uid).attributes)
      .filter(([, attribute]) => attribute.type === 'component')
      .map(([name]) => [name, true])
  );
