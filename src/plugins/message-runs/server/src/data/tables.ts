import type { Core } from '@strapi/strapi';
import { RESULT_UID, RUN_UID, SEND_WINDOW_UID } from '../../../shared/constants';

/**
 * Table and link-table names of the content types that the set-based queries read, taken from
 * Strapi's metadata (Strapi may shorten long identifiers, so they are never spelled out by hand).
 */
export interface Link {
  table: string;
  /** the owning side's id column, e.g. `invoice_id` in `invoices_customer_lnk` */
  from: string;
  /** the target's id column, e.g. `customer_id` */
  to: string;
}

export interface Tables {
  clusters: string;
  clusterParent: Link;
  customers: string;
  customerCluster: Link;
  customerComponents: Link & { field: string; componentTypeColumn: string; componentType: string };
  emailAddresses: string;
  invoices: string;
  invoiceCustomer: Link;
  transformationResults: string;
  resultInvoice: Link;
  resultTransformation: Link;
  senders: string;
  definitions: string;
  runs: string;
  results: string;
  sendWindows: string;
}

const EMAIL_COMPONENT = 'messaging.email-address';

export function resolveTables(strapi: Core.Strapi): Tables {
  const meta = (uid: string) => strapi.db.metadata.get(uid);
  const link = (uid: string, attribute: string): Link => {
    const { joinTable } = meta(uid).attributes[attribute] as any;
    return { table: joinTable.name, from: joinTable.joinColumn.name, to: joinTable.inverseJoinColumn.name };
  };
  const emailAddressesJoin = (meta('api::customer.customer').attributes.emailAddresses as any).joinTable;

  return {
    clusters: meta('api::customer-cluster.customer-cluster').tableName,
    clusterParent: link('api::customer-cluster.customer-cluster', 'parent'),
    customers: meta('api::customer.customer').tableName,
    customerCluster: link('api::customer.customer', 'cluster'),
    customerComponents: {
      ...link('api::customer.customer', 'emailAddresses'),
      field: emailAddressesJoin.on.field,
      componentTypeColumn: 'component_type',
      componentType: EMAIL_COMPONENT,
    },
    emailAddresses: meta(EMAIL_COMPONENT).tableName,
    invoices: meta('api::invoice.invoice').tableName,
    invoiceCustomer: link('api::invoice.invoice', 'customer'),
    transformationResults: meta('api::transformation-result.transformation-result').tableName,
    resultInvoice: link('api::transformation-result.transformation-result', 'invoice'),
    resultTransformation: link('api::transformation-result.transformation-result', 'transformation'),
    senders: meta('api::message-sender.message-sender').tableName,
    definitions: meta('api::message-definition.message-definition').tableName,
    runs: meta(RUN_UID).tableName,
    results: meta(RESULT_UID).tableName,
    sendWindows: meta(SEND_WINDOW_UID).tableName,
  };
}
