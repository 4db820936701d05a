import type { Core } from '@strapi/strapi';
import { MAX_OPTIONS } from '../../../shared/contracts/options';
import { findClusterOptions, findDefinitionOptions } from '../data/options';
import { resolveTables } from '../data/tables';

/** The definitions and clusters the admin's new-run dialog offers. */
export default ({ strapi }: { strapi: Core.Strapi }) => ({
  definitions: (q?: string) => findDefinitionOptions(strapi.db.connection, resolveTables(strapi), q, MAX_OPTIONS),
  clusters: (q?: string) => findClusterOptions(strapi.db.connection, resolveTables(strapi), q, MAX_OPTIONS),
});
