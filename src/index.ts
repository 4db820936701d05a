import type { Core } from '@strapi/strapi';
import { registerDomainValidation } from './validation';
import { surviveFailedConnectionSetup } from './database-resilience';

export default {
  register({ strapi }: { strapi: Core.Strapi }) {
    surviveFailedConnectionSetup(strapi);
    registerDomainValidation(strapi);
  },
  bootstrap() {},
};
