import type { Core } from '@strapi/strapi';
import { MESSAGE_KEY_FIELD, PLUGIN_ID, SUPPRESSION_UID } from '../../shared/constants';

const ACTIONS = [
  { uid: 'read', displayName: 'Read runs and results' },
  { uid: 'manage-runs', displayName: 'Create, start, stop and delete runs' },
  { uid: 'manage-results', displayName: 'Resend and remove results' },
  { uid: 'settings', displayName: 'See the mail settings and send a test email', subCategory: 'settings' },
].map((action) => ({ ...action, section: 'plugins', pluginName: PLUGIN_ID }));

/**
 * The suppression list keeps addresses lower-cased, whoever writes them (the Content Manager, the
 * REST API): mail systems treat the case of an address as insignificant, and lookups compare as stored.
 */
const lowerCaseSuppressedAddresses: Parameters<Core.Strapi['documents']['use']>[0] = async (context, next) => {
  const data = (context.params as { data?: { address?: unknown } } | undefined)?.data;
  if (context.uid === SUPPRESSION_UID && typeof data?.address === 'string') {
    data.address = data.address.trim().toLowerCase();
  }
  return next();
};

export default async ({ strapi }: { strapi: Core.Strapi }) => {
  await strapi.service('admin::permission').actionProvider.registerMany(ACTIONS);
  // Stored as a plain string column: only the Content Manager's input differs.
  strapi.customFields.register({ name: MESSAGE_KEY_FIELD, plugin: PLUGIN_ID, type: 'string' });
  strapi.documents.use(lowerCaseSuppressedAddresses);
};
