/**
 * What the Content Manager's edit and list views call each field of the domain's content types and
 * components, and the help line under it. The bootstrap (content-manager-config.ts) writes these into
 * the Content Manager's configuration only where Strapi's defaults still stand.
 */
export interface FieldHelp {
  label: string;
  description: string;
}

/** The variables the renderer gives a template (TemplateContext in the message-runs plugin). */
const TEMPLATE_VARIABLES =
  'Variables: customer.name, customer.code, recipient.address, recipient.displayName, ' +
  'invoice.number, invoice.label, invoice.periodStart, invoice.periodEnd, invoice.amount, invoice.currency, ' +
  'invoice.invoiceDate, invoice.type, invoice.status, invoices (every invoice of a collated message: ' +
  '{{#each invoices}}{{number}}{{/each}}), cluster.name, sender.email, sender.displayName, run.periodStart, run.periodEnd.';
const TEMPLATE_HELPERS =
  'Helpers, in the customer\'s language: {{date invoice.invoiceDate}} → Feb 1, 2025 ({{date x "long"}}: February 1, 2025); ' +
  '{{money invoice.amount invoice.currency}} → €121.50 (en-US).';
const templateHelp = (what: string) => `${what} ${TEMPLATE_VARIABLES} ${TEMPLATE_HELPERS}`;

export const SUBJECT_TEMPLATE_HELP = templateHelp('Handlebars, one line.');
export const BODY_TEMPLATE_HELP = templateHelp('Handlebars HTML, the message body.');
export const TEXT_TEMPLATE_HELP = templateHelp('Handlebars plain text for mail readers without HTML; empty: none.');

const LANGUAGE_CODE = 'A language code such as nl or nl-NL';

export const CONTENT_MANAGER_LABELS: Record<string, Record<string, FieldHelp>> = {
  'api::customer-cluster.customer-cluster': {
    name: { label: 'Name', description: 'Unique name of the cluster, e.g. Benelux.' },
    parent: { label: 'Parent cluster', description: 'The cluster this one belongs to; empty for a top-level cluster.' },
    children: { label: 'Sub-clusters', description: 'Clusters that belong to this one.' },
    customers: {
      label: 'Customers',
      description: 'Customers in this cluster (a run for the cluster includes its sub-clusters).',
    },
  },
  'api::customer.customer': {
    code: { label: 'Customer code', description: 'Unique code of the customer, e.g. from the billing system.' },
    name: { label: 'Name', description: "The customer's name, {{customer.name}} in templates." },
    cluster: {
      label: 'Cluster',
      description: 'The cluster the customer belongs to; runs select customers by cluster.',
    },
    emailAddresses: {
      label: 'Email addresses',
      description: "Addresses under a key each (e.g. billing); a message definition's recipient key picks one.",
    },
    languageCode: {
      label: 'Language',
      description: `${LANGUAGE_CODE}; picks the template translation and the date and money format.`,
    },
    invoices: { label: 'Invoices', description: "The customer's invoices." },
  },
  'api::invoice.invoice': {
    number: {
      label: 'Invoice number',
      description: 'Unique; empty while a concept ({{invoice.label}} then says Concept).',
    },
    customer: { label: 'Customer', description: 'The customer billed.' },
    periodStart: { label: 'Period start', description: 'First day the invoice covers.' },
    periodEnd: { label: 'Period end', description: 'Last day the invoice covers.' },
    status: { label: 'Status', description: 'Where the invoice is in its approval.' },
    type: { label: 'Type', description: 'period, adhoc or credit.' },
    amount: { label: 'Amount', description: 'Total amount, in the currency below.' },
    currency: { label: 'Currency', description: 'Three-letter ISO code, e.g. EUR.' },
    invoiceDate: { label: 'Invoice date', description: 'The date printed on the invoice.' },
    transformationResults: {
      label: 'Documents',
      description: 'The invoice rendered by each invoice transformation; these are attached.',
    },
  },
  'api::invoice-transformation.invoice-transformation': {
    name: { label: 'Name', description: 'Unique name of the transformation, e.g. Invoice PDF.' },
    outputType: { label: 'Output type', description: 'What the transformation produces: text, html or pdf.' },
    description: { label: 'Description', description: 'What the transformation is for.' },
  },
  'api::transformation-result.transformation-result': {
    invoice: { label: 'Invoice', description: 'The invoice this document renders.' },
    transformation: { label: 'Transformation', description: 'The transformation that produced it.' },
    file: { label: 'File', description: 'The document as a file; or leave empty and fill Content.' },
    content: { label: 'Content', description: 'The document inline (text or HTML), when there is no file.' },
    fileName: { label: 'File name', description: 'Name of the attachment in the message.' },
    mimeType: { label: 'MIME type', description: 'e.g. application/pdf or text/html.' },
    isOutOfDate: { label: 'Out of date', description: 'On: not attached any more (the invoice changed since).' },
  },
  'api::message-sender.message-sender': {
    key: { label: 'Sender key', description: 'Unique key; message definitions name it as their sender key.' },
    email: { label: 'From address', description: 'The address messages are sent from.' },
    displayName: { label: 'From name', description: 'The name shown beside the address, e.g. Acme Billing.' },
  },
  'api::message-definition.message-definition': {
    name: { label: 'Name', description: 'Unique name, chosen when starting a message run.' },
    fromKey: {
      label: 'Sender key',
      description: 'Key of a message sender; must match exactly. Pick one of the existing keys.',
    },
    recipientKey: {
      label: 'Recipient key',
      description:
        'Key of a customer email address (e.g. billing); must match exactly. Customers without it are skipped.',
    },
    subjectTemplate: { label: 'Subject', description: SUBJECT_TEMPLATE_HELP },
    bodyTemplate: { label: 'HTML body', description: BODY_TEMPLATE_HELP },
    textTemplate: { label: 'Text body', description: TEXT_TEMPLATE_HELP },
    translations: {
      label: 'Translations',
      description: 'Templates per customer language; a missing field falls back to the ones above.',
    },
    invoiceTransformations: {
      label: 'Attached documents',
      description: "Which transformations' results are attached; at least one.",
    },
    zipAttachments: { label: 'Zip attachments', description: 'On: the documents go in one .zip file.' },
    collate: {
      label: 'One message per customer',
      description: "On: one message with all of a customer's invoices ({{#each invoices}}).",
    },
  },
  'messaging.email-address': {
    key: {
      label: 'Key',
      description: "e.g. billing; a message definition's recipient key names it. Unique per customer.",
    },
    address: { label: 'Address', description: 'The email address.' },
    displayName: { label: 'Name', description: 'Shown beside the address, e.g. Accounts payable.' },
  },
  'messaging.template-translation': {
    languageCode: { label: 'Language', description: `${LANGUAGE_CODE}; used for customers with this language.` },
    subjectTemplate: { label: 'Subject', description: SUBJECT_TEMPLATE_HELP },
    bodyTemplate: { label: 'HTML body', description: BODY_TEMPLATE_HELP },
    textTemplate: { label: 'Text body', description: TEXT_TEMPLATE_HELP },
  },
};
