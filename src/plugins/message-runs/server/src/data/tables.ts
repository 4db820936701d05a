import type { Core } from '@strapi/strapi';
import { DELIVERY_INSTANCE_UID, EVENT_UID, RESULT_UID, RUN_UID, SEND_PACER_UID, SUPPRESSION_UID, TASK_LEASE_UID, IDEMPOTENCY_KEY_UID, RUN_COUNT_UID } from '../../../shared/constants';

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

/** The upload plugin's files and their polymorphic links to the entries that use them. */
export interface MediaFiles {
  table: string;
  /** column name → attribute name, and which attributes hold JSON */
  attributeOf: Record<string, string>;
  jsonAttributes: string[];
  links: { table: string; file: string; relatedId: string; relatedType: string };
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
  files: MediaFiles;
  resultInvoice: Link;
  resultTransformation: Link;
  senders: string;
  definitions: string;
  runs: string;
  /** the runs' column of their definition's id */
  runDefinition: string;
  results: string;
  events: string;
  suppressions: string;
  sendPacers: string;
  deliveryInstances: string;
  taskLeases: string;
  idempotencyKeys: string;
  /** a run's results per status, kept by triggers on the results table (data/run-counts.ts) */
  runCounts: string;
}

const EMAIL_COMPONENT = 'messaging.email-address';

/**
 * What is read here of Strapi's attribute metadata. Its own types describe the attributes as
 * declared, not the join tables and column names the database layer adds to them.
 */
interface AttributeMeta {
  type?: string;
  columnName?: string;
  joinColumn?: { name: string };
  joinTable?: {
    name: string;
    joinColumn: { name: string };
    inverseJoinColumn: { name: string };
    on?: { field: string };
    morphColumn?: { idColumn: { name: string }; typeColumn: { name: string } };
  };
}

export function resolveTables(strapi: Core.Strapi): Tables {
  const meta = (uid: string) => {
    const { tableName, attributes } = strapi.db.metadata.get(uid);
    return { tableName, attributes: attributes as Record<string, AttributeMeta> };
  };
  /** The join table of a relation (or a component's), which the database layer always gives one. */
  const joinTableOf = (uid: string, attribute: string) => {
    const { joinTable } = meta(uid).attributes[attribute];
    if (!joinTable) throw new Error(`message-runs: ${uid}.${attribute} has no join table`);
    return joinTable;
  };
  const link = (uid: string, attribute: string): Link => {
    const joinTable = joinTableOf(uid, attribute);
    return { table: joinTable.name, from: joinTable.joinColumn.name, to: joinTable.inverseJoinColumn.name };
  };
  const emailAddressesJoin = joinTableOf('api::customer.customer', 'emailAddresses');
  const fileMeta = meta('plugin::upload.file');
  const fileLinks = joinTableOf('plugin::upload.file', 'related');
  const morph = fileLinks.morphColumn;
  const runDefinition = meta(RUN_UID).attributes.definition.joinColumn;
  if (!emailAddressesJoin.on || !morph || !runDefinition) {
    throw new Error('message-runs: Strapi\'s metadata lacks a column this plugin reads (email component field, file morph columns, run definition)');
  }

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
    files: {
      table: fileMeta.tableName,
      // Scalar attributes only: Strapi gives those a column name; relations live in link tables.
      attributeOf: Object.fromEntries(
        Object.entries(fileMeta.attributes).flatMap(([name, attribute]) =>
          attribute.columnName ? [[attribute.columnName, name]] : []
        )
      ),
      jsonAttributes: Object.keys(fileMeta.attributes).filter((name) => fileMeta.attributes[name].type === 'json'),
      links: {
        table: fileLinks.name,
        file: fileLinks.joinColumn.name,
        relatedId: morph.idColumn.name,
        relatedType: morph.typeColumn.name,
      },
    },
    resultInvoice: link('api::transformation-result.transformation-result', 'invoice'),
    resultTransformation: link('api::transformation-result.transformation-result', 'transformation'),
    senders: meta('api::message-sender.message-sender').tableName,
    definitions: meta('api::message-definition.message-definition').tableName,
    runs: meta(RUN_UID).tableName,
    runDefinition: runDefinition.name,
    results: meta(RESULT_UID).tableName,
    events: meta(EVENT_UID).tableName,
    suppressions: meta(SUPPRESSION_UID).tableName,
    sendPacers: meta(SEND_PACER_UID).tableName,
    deliveryInstances: meta(DELIVERY_INSTANCE_UID).tableName,
    taskLeases: meta(TASK_LEASE_UID).tableName,
    idempotencyKeys: meta(IDEMPOTENCY_KEY_UID).tableName,
    runCounts: meta(RUN_COUNT_UID).tableName,
  };
}
