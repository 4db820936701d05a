import type { Core } from '@strapi/strapi';
import { customerClusterRules } from '../api/customer-cluster/validation';
import { customerRules } from '../api/customer/validation';
import { invoiceRules } from '../api/invoice/validation';
import { messageDefinitionRules } from '../api/message-definition/validation';
import { transformationResultRules } from '../api/transformation-result/validation';
import { registerDocumentRules } from './document-rules';

export const registerDomainValidation = (strapi: Core.Strapi) =>
  registerDocumentRules(strapi, {
    'api::customer-cluster.customer-cluster': customerClusterRules,
    'api::customer.customer': customerRules,
    'api::invoice.invoice': invoiceRules,
    'api::message-definition.message-definition': messageDefinitionRules,
    'api::transformation-result.transformation-result': transformationResultRules,
  });
