import type { Core } from '@strapi/strapi';
import { MAX_OPTIONS } from '../../../shared/contracts/options';
import { findClusterOptions, findDefinitionOptions, findKeyOptions } from '../data/options';
import { resolveTables } from '../data/tables';

/**
 * The definitions and clusters the admin's new-run dialog offers, and the keys a message definition's
 * recipient and sender key fields offer.
 */
export default ({ strapi }: { strapi: Core.Strapi }) => ({
  definitions: (q?: string) => findDefinitionOptions(strapi.db.connection, resolveTables(strapi), q, MAX_OPTIONS),
  clusters: (q?: string) => findClusterOptions(strapi.db.connection, resolveTables(strapi), q, MAX_OPTIONS),
  recipientKeys: (q?: string) => findKeyOptions(strapi.db.connection, resolveTables(strapi).emailAddresses, q, MAX_OPTIONS),
  senderKeys: (q?: string) => findKeyOptions(strapi.db.connection, resolveTables(strapi).senders, q, MAX_OPTIONS),
});
