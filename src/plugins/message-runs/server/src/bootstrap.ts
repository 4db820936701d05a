import type { Core } from '@strapi/strapi';
import type { MessageRunsConfig } from './config';
import { getService } from './utils';

export const DELIVERY_JOB = 'message-runs.deliver';
export const ARCHIVE_RETENTION_JOB = 'message-runs.archive-retention';

/**
 * Every instance runs the delivery cron task (unless switched off); the queue shares the work out.
 * Every instance also runs archive retention, which is harmless twice; even with the archive off,
 * since copies kept before must still go after `archiveDays`.
 */
export default ({ strapi }: { strapi: Core.Strapi }) => {
  const { cron, archiveCronRule } = strapi.config.get('plugin::message-runs') as MessageRunsConfig;
  getService(strapi, 'archive').warnIfPublic();
  if (!cron.enabled) return;
  strapi.cron.add({
    [DELIVERY_JOB]: {
      task: async () => {
        await getService(strapi, 'queue').tick();
      },
      options: { rule: cron.rule },
    },
    [ARCHIVE_RETENTION_JOB]: {
      task: async () => {
        try {
          await getService(strapi, 'archive').expire();
        } catch (error) {
          strapi.log.error(`[message-runs] archive retention failed (it runs again at its next time): ${(error as Error).stack ?? error}`);
        }
      },
      options: { rule: archiveCronRule },
    },
  });
};
