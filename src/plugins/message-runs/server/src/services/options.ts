import type { Core } from '@strapi/strapi';
import { MAX_OPTIONS } from '../../../shared/contracts/options';
import { createRepositories } from '../data/repositories';

/**
 * The definitions and clusters the admin's new-run dialog offers, and the keys a message definition's
 * recipient and sender key fields offer.
 */
export default ({ strapi }: { strapi: Core.Strapi }) => {
  const { options } = createRepositories(strapi);
  return {
    definitions: (q?: string) => options.definitions(q, MAX_OPTIONS),
    clusters: (q?: string) => options.clusters(q, MAX_OPTIONS),
    recipientKeys: (q?: string) => options.recipientKeys(q, MAX_OPTIONS),
    senderKeys: (q?: string) => options.senderKeys(q, MAX_OPTIONS),
  };
};
