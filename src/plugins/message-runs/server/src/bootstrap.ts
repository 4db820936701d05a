import type { Core } from '@strapi/strapi';
import { resolveBounceImap, type MessageRunsConfig } from './config';
import { getService, systemActor } from './utils';

export const DELIVERY_JOB = 'message-runs.deliver';
export const SCHEDULE_JOB = 'message-runs.schedule';
export const BOUNCE_JOB = 'message-runs.bounces';
export const ARCHIVE_RETENTION_JOB = 'message-runs.archive-retention';
export const IDEMPOTENCY_RETENTION_JOB = 'message-runs.idempotency-retention';
// Hourly, at a minute no other task of the plugin uses.
const IDEMPOTENCY_RETENTION_RULE = '0 43 * * * *';

/**
 * The plugin's webhook events; every instance runs the delivery cron task (unless switched off), and
 * the queue shares the work out. Beside it, on the same rule, every instance starts the scheduled runs
 * that are due: a task of its own, so that a long delivery tick does not hold a schedule up, and one
 * guarded UPDATE per tick, so that one instance starts each run (DESIGN.md §4). With a bounce mailbox
 * configured, every instance also runs its poll, and a lease lets one at a time read the mailbox.
 * Every instance also runs archive retention, which is harmless twice; even with the archive off,
 * since copies kept before must still go after `archiveDays`; and the purge of Idempotency-Keys older
 * than 24 hours, one DELETE, as harmless twice.
 */
export default async ({ strapi }: { strapi: Core.Strapi }) => {
  // Before any task may change a result: the counts are kept from the first change on.
  await getService(strapi, 'runs').installCountTriggers();
  await getService(strapi, 'runs').copyResultSortValuesOnce();
  getService(strapi, 'webhooks').register();
  getService(strapi, 'archive').warnIfPublic();
  const config = strapi.config.get('plugin::message-runs') as MessageRunsConfig;
  if (!config.cron.enabled) return;
  strapi.cron.add({
    [DELIVERY_JOB]: {
      task: async () => {
        await getService(strapi, 'queue').tick();
      },
      options: { rule: config.cron.rule },
    },
    [SCHEDULE_JOB]: {
      task: async () => {
        const actor = systemActor(getService(strapi, 'queue').workerId, 'schedule');
        try {
          await getService(strapi, 'runs').startDue(actor);
        } catch (error) {
          // Tried again at the next tick; a run past its notAfter by then is not started late.
          strapi.log.warn(`[message-runs] starting scheduled runs failed: ${(error as Error).message}`);
        }
      },
      options: { rule: config.cron.rule },
    },
    [ARCHIVE_RETENTION_JOB]: {
      task: async () => {
        try {
          await getService(strapi, 'archive').expire();
        } catch (error) {
          strapi.log.error(`[message-runs] archive retention failed (it runs again at its next time): ${(error as Error).stack ?? error}`);
        }
      },
      options: { rule: config.archiveCronRule },
    },
    [IDEMPOTENCY_RETENTION_JOB]: {
      task: async () => {
        try {
          await getService(strapi, 'idempotency').purge();
        } catch (error) {
          strapi.log.warn(`[message-runs] purging expired idempotency keys failed (it runs again in an hour): ${(error as Error).message}`);
        }
      },
      options: { rule: IDEMPOTENCY_RETENTION_RULE },
    },
  });
  const { settings } = resolveBounceImap(config.bounceImap);
  if (settings) {
    strapi.cron.add({
      [BOUNCE_JOB]: {
        task: async () => {
          await getService(strapi, 'bounceMailbox').poll();
        },
        options: { rule: settings.rule },
      },
    });
  }
};
