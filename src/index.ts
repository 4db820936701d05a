import type { Core } from '@strapi/strapi';
import { registerDomainValidation } from './validation';
import {
  failValidationsOnRejectedTests,
  logUnhandledRejections,
  surviveFailedConnectionSetup,
} from './database-resilience';
import { closeSelfRegistrationOnFirstBoot } from './self-registration';
import { rememberBadValues } from './middlewares/bad-values';
import { applyContentManagerLabels } from './content-manager-config';

let removeRejectionGuard: (() => void) | undefined;

export default {
  register({ strapi }: { strapi: Core.Strapi }) {
    removeRejectionGuard = logUnhandledRejections(strapi);
    failValidationsOnRejectedTests();
    surviveFailedConnectionSetup(strapi);
    rememberBadValues(strapi);
    registerDomainValidation(strapi);
  },
  async bootstrap({ strapi }: { strapi: Core.Strapi }) {
    await closeSelfRegistrationOnFirstBoot(strapi);
    await applyContentManagerLabels(strapi);
  },
  destroy() {
    removeRejectionGuard?.();
  },
};
