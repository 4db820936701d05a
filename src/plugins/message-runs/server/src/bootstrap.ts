import type { Core } from '@strapi/strapi';
import type { MessageRunsConfig } from './config';
import { getService } from './utils';

export const DELIVERY_JOB = 'message-runs.deliver';

/**
 * The plugin's webhook events; every instance runs the delivery cron task (unless switched off), and
 * the queue shares the work out.
 */
export default ({ strapi }: { strapi: Core.Strapi }) => {
  getService(strapi, 'webhooks').register();
  const { cron } = strapi.config.get('plugin::message-runs') as MessageRunsConfig;
  if (!cron.enabled) return;
  strapi.cron.add({
    [DELIVERY_JOB]: {
      task: async () => {
        await getService(strapi, 'queue').tick();
      },
      options: { rule: cron.rule },
    },
  });
};
