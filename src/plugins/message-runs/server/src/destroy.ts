import type { Core } from '@strapi/strapi';
import { ARCHIVE_RETENTION_JOB, BOUNCE_JOB, DELIVERY_JOB } from './bootstrap';
import { getService } from './utils';

export default ({ strapi }: { strapi: Core.Strapi }) => {
  strapi.cron.remove(DELIVERY_JOB);
  strapi.cron.remove(BOUNCE_JOB);
  strapi.cron.remove(ARCHIVE_RETENTION_JOB);
  getService(strapi, 'mailer').close();
  getService(strapi, 'renderer').close();
};
