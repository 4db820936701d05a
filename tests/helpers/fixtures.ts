import fs from 'fs';
import os from 'os';
import path from 'path';
import type { Core, UID } from '@strapi/strapi';
import { UID as UIDS } from '../../scripts/lib/seed';

/**
 * Builders of valid domain documents, written through the Document Service (so the domain rules run
 * on them too). Every builder takes overrides of its data and returns the stored document with its
 * relations and components populated. Relations are given by documentId, as everywhere in Strapi 5;
 * a required relation that is not given is created with its own builder.
 *
 *   const make = fixtures(app.strapi);
 *   const nl = await make.cluster({ name: 'Netherlands' });
 *   const acme = await make.customer({ cluster: nl.documentId });
 */

type Data = Record<string, unknown>;
/**
 * A stored document: its fields, plus the ids Strapi gives it. Without generated content-type types the
 * fields are untyped, as the Document Service's own `AnyDocument` has them (any: each test reads its own).
 */
export type Doc = Record<string, any> & { id: number; documentId: string };

let sequence = 0;
/** A value unique within the test run, so that unique fields (names, codes, keys) never collide. */
export const unique = (prefix: string) => `${prefix}-${++sequence}-${Math.random().toString(36).slice(2, 8)}`;

/** The domain's content types, as the scripts' seeding (their one list) names them. */
export { UIDS };

/** Where Strapi's REST API serves each type: `/api/<plural>`. */
export const PLURALS: Record<keyof typeof UIDS, string> = {
  cluster: 'customer-clusters',
  customer: 'customers',
  invoice: 'invoices',
  transformation: 'invoice-transformations',
  transformationResult: 'transformation-results',
  sender: 'message-senders',
  definition: 'message-definitions',
};

export function fixtures(strapi: Core.Strapi) {
  const create = async (uid: UID.ContentType, data: Data) =>
    // Without generated content-type types, the Document Service's input type names no field.
    (await strapi.documents(uid).create({ data: data as never, populate: '*' })) as Doc;

  const make = {
    cluster: (overrides: Data = {}) => create(UIDS.cluster, { name: unique('Cluster'), ...overrides }),

    customer: (overrides: Data = {}) => {
      const code = unique('C');
      return create(UIDS.customer, {
        code,
        name: `Customer ${code}`,
        languageCode: 'nl-NL',
        emailAddresses: [
          { key: 'billing', address: 'billing@example.com', displayName: 'Billing' },
          { key: 'cc', address: 'finance@example.com' },
        ],
        ...overrides,
      });
    },

    invoice: async (overrides: Data = {}) =>
      create(UIDS.invoice, {
        customer: overrides.customer ?? (await make.customer()).documentId,
        periodStart: '2025-01-01',
        periodEnd: '2025-01-31',
        type: 'period',
        amount: 121.5,
        currency: 'EUR',
        invoiceDate: '2025-02-01',
        ...overrides,
      }),

    transformation: (overrides: Data = {}) =>
      create(UIDS.transformation, { name: unique('Transformation'), outputType: 'html', description: 'Invoice as HTML', ...overrides }),

    /** A result with inline HTML content (no media file). */
    transformationResult: async (overrides: Data = {}) =>
      create(UIDS.transformationResult, {
        invoice: overrides.invoice ?? (await make.invoice()).documentId,
        transformation: overrides.transformation ?? (await make.transformation()).documentId,
        content: '<p>Invoice</p>',
        fileName: 'invoice.html',
        mimeType: 'text/html',
        ...overrides,
      }),

    sender: (overrides: Data = {}) =>
      create(UIDS.sender, { key: unique('sender'), email: 'billing@example.com', displayName: 'Billing', ...overrides }),

    /** A definition sending from a new sender, with one invoice transformation attached. */
    definition: async (overrides: Data = {}) =>
      create(UIDS.definition, {
        name: unique('Definition'),
        fromKey: overrides.fromKey ?? (await make.sender()).key,
        recipientKey: 'billing',
        subjectTemplate: 'Invoice {{invoice.number}}',
        bodyTemplate: '<p>Dear {{customer.name}},</p>\n{{#if invoice}}<p>Attached.</p>{{/if}}',
        textTemplate: 'Dear {{customer.name}}',
        invoiceTransformations: overrides.invoiceTransformations ?? [(await make.transformation()).documentId],
        zipAttachments: false,
        collate: false,
        ...overrides,
      }),

    /**
     * A real file in the media library (uploaded through the upload plugin's service, stored by the
     * local provider under public/uploads). Remove it with `removeMediaFile` when done.
     */
    mediaFile: async (name = `${unique('invoice')}.txt`, content = 'Invoice 2025-001\n') => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mr-upload-'));
      const filepath = path.join(dir, name);
      fs.writeFileSync(filepath, content);
      try {
        const [file] = await strapi.plugin('upload').service('upload').upload({
          data: {},
          files: { filepath, originalFilename: name, mimetype: 'text/plain', size: Buffer.byteLength(content) },
        });
        return file as Doc;
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    },
  };
  return make;
}

/** Removes a media library file and what the provider stored for it. */
export async function removeMediaFile(strapi: Core.Strapi, id: number) {
  const file = await strapi.db.query('plugin::upload.file').findOne({ where: { id } });
  if (file) await strapi.plugin('upload').service('upload').remove(file);
}
