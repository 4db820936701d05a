import type { Core } from '@strapi/strapi';
import { registerDomainValidation } from './validation';

export default {
  register({ strapi }: { strapi: Core.Strapi }) {
    registerDomainValidation(strapi);
  },
  bootstrap() {},
};
