import type { Core } from '@strapi/strapi';
import { PLUGIN_ID } from '../../shared/constants';

const ACTIONS = [
  { uid: 'read', displayName: 'Read runs and results' },
  { uid: 'manage-runs', displayName: 'Create, start, stop and delete runs' },
  { uid: 'manage-results', displayName: 'Resend and remove results' },
  { uid: 'settings', displayName: 'See the mail settings and send a test email', subCategory: 'settings' },
].map((action) => ({ ...action, section: 'plugins', pluginName: PLUGIN_ID }));

export default async ({ strapi }: { strapi: Core.Strapi }) => {
  await strapi.service('admin::permission').actionProvider.registerMany(ACTIONS);
};
