import type { Core } from '@strapi/strapi';
import { customerClusterRules } from '../api/customer-cluster/validation';
import { customerRules } from '../api/customer/validation';
import { invoiceRules } from '../api/invoice/validation';
import { messageDefinitionRules } from '../api/message-definition/validation';
import { transformationResultRules } from '../api/transformation-result/validation';
import { registerCalendarDates } from './calendar-dates';
import { registerDocumentRules } from './document-rules';
import { registerUsageGuards } from './usage-guards';

export function registerDomainValidation(strapi: Core.Strapi) {
  registerCalendarDates(strapi);
  registerUsageGuards(strapi);
  registerDocumentRules(strapi, {
    'api::customer-cluster.customer-cluster': customerClusterRules,
    'api::customer.customer': customerRules,
    'api::invoice.invoice': invoiceRules,
    'api::message-definition.message-definition': messageDefinitionRules,
    'api::transformation-result.transformation-result': transformationResultRules,
  });
}
