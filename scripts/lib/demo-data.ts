import type { InvoicePdfFields } from './pdf';
import { createRandom } from './random';

type Random = ReturnType<typeof createRandom>;
type Weighted<T> = [T, number][];

/** The names, legal forms and mailboxes companies of one country get. */
interface Names {
  surnames: string[];
  trades: string[];
  legalForms: Weighted<string>;
  mailboxes: { invoice: string; finance: string };
  firstNames: string[];
}

type Country = 'NL' | 'BE' | 'DE';

interface Cluster {
  name: string;
  parent?: string;
  country?: Country;
  weight?: number;
  languages?: Weighted<string>;
}

/**
 * The demo data set as plain objects, generated from a fixed seed and fixed dates so that every
 * fresh database gets the same clusters, customers, invoices and documents. Nothing here touches
 * Strapi; seed.ts writes it.
 */

const SEED = 20261101;
/** Invoices cover the complete months before this date. */
const REFERENCE_DATE = '2026-11-01';
const PERIOD_COUNT = 4;
const CUSTOMER_COUNT = 300;
const CURRENCY = 'EUR';
const SELLER = 'Example Billing B.V.';

const COUNTRIES: Record<Country, Names> = {
  NL: {
    surnames: ['Van Dijk', 'De Vries', 'Jansen', 'Bakker', 'Visser', 'Smit', 'Meijer', 'Mulder', 'De Boer', 'Bos', 'Vos', 'Hendriks', 'Dekker', 'Brouwer', 'Verhoeven', 'Van Leeuwen'],
    trades: ['Logistiek', 'Installatietechniek', 'Bouw', 'Accountants', 'ICT', 'Transport', 'Bakkerij', 'Hoveniers', 'Advocaten', 'Makelaardij', 'Zorggroep', 'Media'],
    legalForms: [['B.V.', 9], ['Holding B.V.', 1]],
    mailboxes: { invoice: 'facturen', finance: 'administratie' },
    firstNames: ['Anne', 'Sanne', 'Pieter', 'Joost', 'Femke', 'Thijs', 'Lotte', 'Bram'],
  },
  BE: {
    surnames: ['Peeters', 'Janssens', 'Maes', 'Jacobs', 'Mertens', 'Claes', 'Goossens', 'Wouters', 'De Smet', 'Dubois', 'Lambert', 'Dupont', 'Leclercq', 'Renard'],
    trades: ['Logistics', 'Bouwwerken', 'Construction', 'Consult', 'Transport', 'Boulangerie', 'Elektro', 'Immo', 'Comptabilité', 'Media'],
    legalForms: [['BV', 5], ['NV', 2], ['SRL', 3]],
    mailboxes: { invoice: 'factures', finance: 'comptabilite' },
    firstNames: ['Lies', 'Wout', 'Elise', 'Mathieu', 'Camille', 'Jonas', 'Marie', 'Thomas'],
  },
  DE: {
    surnames: ['Müller', 'Schmidt', 'Schneider', 'Fischer', 'Weber', 'Meyer', 'Wagner', 'Becker', 'Schulz', 'Hoffmann', 'Koch', 'Richter', 'Klein', 'Wolf', 'Schäfer'],
    trades: ['Logistik', 'Haustechnik', 'Bau', 'Steuerberatung', 'IT-Service', 'Spedition', 'Maschinenbau', 'Elektro', 'Gartenbau', 'Medien'],
    legalForms: [['GmbH', 7], ['GmbH & Co. KG', 2], ['AG', 1]],
    mailboxes: { invoice: 'rechnungen', finance: 'buchhaltung' },
    firstNames: ['Julia', 'Lukas', 'Katrin', 'Jonas', 'Anna', 'Felix', 'Sabine', 'Tobias'],
  },
};

/** English-named companies appear in every country (international customers, language en-GB). */
const INTERNATIONAL: Names = {
  surnames: ['Northwind', 'Bluebird', 'Harbour', 'Summit', 'Redwood', 'Kingfisher', 'Lighthouse', 'Oakfield'],
  trades: ['Trading', 'Software', 'Consulting', 'Logistics', 'Systems', 'Labs'],
  legalForms: [['Ltd', 1]],
  mailboxes: { invoice: 'invoices', finance: 'finance' },
  firstNames: ['Emma', 'Oliver', 'Grace', 'Harry'],
};

/**
 * The cluster tree, parents before children. Leaves (and the Belgian regions) hold customers:
 * `weight` is their share of customers, `languages` the language mix there.
 */
const CLUSTERS: Cluster[] = [
  { name: 'All customers' },
  { name: 'Netherlands', parent: 'All customers' },
  { name: 'Netherlands Direct', parent: 'Netherlands' },
  { name: 'Randstad', parent: 'Netherlands Direct', country: 'NL', weight: 60, languages: [['nl-NL', 9], ['en-GB', 1]] },
  { name: 'North & East Netherlands', parent: 'Netherlands Direct', country: 'NL', weight: 35, languages: [['nl-NL', 1]] },
  { name: 'Netherlands Resellers', parent: 'Netherlands' },
  { name: 'Reseller Polder IT', parent: 'Netherlands Resellers', country: 'NL', weight: 25, languages: [['nl-NL', 4], ['en-GB', 1]] },
  { name: 'Belgium', parent: 'All customers' },
  { name: 'Flanders', parent: 'Belgium', country: 'BE', weight: 40, languages: [['nl-NL', 1]] },
  { name: 'Wallonia', parent: 'Belgium', country: 'BE', weight: 25, languages: [['fr-BE', 1]] },
  { name: 'Brussels', parent: 'Belgium', country: 'BE', weight: 20, languages: [['fr-BE', 2], ['nl-NL', 1], ['en-GB', 1]] },
  { name: 'Germany', parent: 'All customers' },
  { name: 'Germany Direct', parent: 'Germany' },
  { name: 'Nordrhein-Westfalen', parent: 'Germany Direct', country: 'DE', weight: 40, languages: [['de-DE', 1]] },
  { name: 'Bayern', parent: 'Germany Direct', country: 'DE', weight: 30, languages: [['de-DE', 9], ['en-GB', 1]] },
  { name: 'Germany Resellers', parent: 'Germany' },
  { name: 'Reseller Rheinland Systems', parent: 'Germany Resellers', country: 'DE', weight: 25, languages: [['de-DE', 1]] },
];

const TRANSFORMATIONS = {
  pdf: { name: 'Invoice PDF', outputType: 'pdf', description: 'The invoice document as a PDF file in the media library.' },
  specification: { name: 'Usage specification', outputType: 'html', description: 'An HTML specification of the usage behind the invoice amount.' },
};

const SENDERS = [
  { key: 'InvoiceSending', email: 'invoicing@example.com', displayName: 'Example Billing' },
  { key: 'Reminders', email: 'reminders@example.com', displayName: 'Example Billing Reminders' },
];

const INVOICE_BODY = `<p>Dear {{customer.name}},</p>
<p>Please find attached invoice <strong>{{invoice.label}}</strong> for the period
{{date invoice.periodStart}} to {{date invoice.periodEnd}}.</p>
<p>Amount due: <strong>{{money invoice.amount invoice.currency}}</strong>.</p>
<p>Kind regards,<br>{{sender.displayName}}</p>`;

const INVOICE_TEXT = `Dear {{customer.name}},

Please find attached invoice {{invoice.label}} for the period {{date invoice.periodStart}} to {{date invoice.periodEnd}}.
Amount due: {{money invoice.amount invoice.currency}}.

Kind regards,
{{sender.displayName}}`;

const COLLATED_BODY = `<p>Dear {{customer.name}},</p>
<p>Please find attached your invoices with their usage specifications:</p>
<ul>
{{#each invoices}}  <li>{{this.label}}: {{date this.periodStart}} to {{date this.periodEnd}}, {{money this.amount this.currency}}</li>
{{/each}}</ul>
<p>Kind regards,<br>{{sender.displayName}}</p>`;

const DEFINITIONS = [
  {
    name: 'Monthly invoice',
    fromKey: 'InvoiceSending',
    recipientKey: 'InvoiceEmail',
    subjectTemplate: 'Invoice {{invoice.label}} for {{customer.name}}',
    bodyTemplate: INVOICE_BODY,
    textTemplate: INVOICE_TEXT,
    transformations: [TRANSFORMATIONS.pdf.name],
    zipAttachments: false,
    collate: false,
  },
  {
    name: 'Monthly invoice with specification',
    fromKey: 'InvoiceSending',
    recipientKey: 'InvoiceEmail',
    subjectTemplate: 'Your invoices and usage specifications, {{customer.name}}',
    bodyTemplate: COLLATED_BODY,
    textTemplate: null,
    transformations: [TRANSFORMATIONS.pdf.name, TRANSFORMATIONS.specification.name],
    zipAttachments: true,
    collate: true,
  },
];

export interface EmailAddress {
  key: string;
  address: string;
  displayName: string | null;
}

export interface DemoCustomer {
  code: string;
  name: string;
  cluster: string;
  languageCode: string;
  emailAddresses: EmailAddress[];
  monthlyCents: number;
  firstPeriod: number;
  wantsSpecification: boolean;
}

/** What identifies an invoice (invoiceKey): a concept has no number yet. */
export interface InvoiceIdentity {
  number: string | null;
  customerCode: string;
  periodStart: string;
  type: string;
}

export interface DemoInvoice extends InvoiceIdentity {
  customerName: string;
  periodEnd: string;
  currency: string;
  status: string;
  invoiceDate: string | null;
  cents: number;
  wantsSpecification: boolean;
}

export interface DemoTransformationResult {
  invoice: DemoInvoice;
  transformation: string;
  kind: 'pdf' | 'html';
  isOutOfDate: boolean;
}

// --- dates and formatting -------------------------------------------------------------------

const isoDate = (date: Date) => date.toISOString().slice(0, 10);
const utcDate = (year: number, monthIndex: number, day: number) => new Date(Date.UTC(year, monthIndex, day));

/** The complete calendar months before REFERENCE_DATE, oldest first. */
function billingPeriods() {
  const reference = new Date(`${REFERENCE_DATE}T00:00:00Z`);
  return Array.from({ length: PERIOD_COUNT }, (_, i) => {
    const monthsBack = PERIOD_COUNT - i;
    const start = utcDate(reference.getUTCFullYear(), reference.getUTCMonth() - monthsBack, 1);
    const end = utcDate(start.getUTCFullYear(), start.getUTCMonth() + 1, 0);
    return { start: isoDate(start), end: isoDate(end), nextDay: isoDate(utcDate(end.getUTCFullYear(), end.getUTCMonth(), end.getUTCDate() + 1)) };
  });
}

const longDate = (iso: string) => new Date(`${iso}T00:00:00Z`).toLocaleDateString('en-GB', { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' });
const formatMoney = (cents: number) => new Intl.NumberFormat('en-GB', { style: 'currency', currency: CURRENCY }).format(cents / 100);

// --- customers ------------------------------------------------------------------------------

/** An email domain under the reserved .example TLD, so no demo mail can reach a real company. */
const emailDomain = (companyName: string) =>
  `${companyName
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/\b(b\.?v\.?|holding|n\.?v\.?|srl|gmbh|co\.? kg|ag|ltd)\b/g, '')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '')}.example`;

function companyName(random: Random, names: Names, usedNames: Set<string>) {
  for (;;) {
    const name = `${random.pick(names.surnames)} ${random.pick(names.trades)} ${random.weighted(names.legalForms)}`;
    if (!usedNames.has(name)) {
      usedNames.add(name);
      return name;
    }
  }
}

/** Most customers have an InvoiceEmail address; some only Finance, and a few none at all. */
function emailAddresses(random: Random, name: string, names: Names): EmailAddress[] {
  const domain = emailDomain(name);
  const invoice: EmailAddress = { key: 'InvoiceEmail', address: `${names.mailboxes.invoice}@${domain}`, displayName: random.chance(0.5) ? `${random.pick(names.firstNames)} (accounts payable)` : null };
  const finance = { key: 'Finance', address: `${names.mailboxes.finance}@${domain}`, displayName: 'Finance department' };
  const profile = random.weighted([['invoice', 61], ['invoice+finance', 27], ['finance', 6], ['none', 6]] as const);
  return { invoice: [invoice], 'invoice+finance': [invoice, finance], finance: [finance], none: [] }[profile];
}

function customers(random: Random, count: number): DemoCustomer[] {
  const homes = CLUSTERS.filter((cluster): cluster is Required<Cluster> => cluster.weight !== undefined);
  const usedNames = new Set<string>();
  return Array.from({ length: count }, (_, i) => {
    const cluster = random.weighted(homes.map((home) => [home, home.weight]));
    const languageCode = random.weighted(cluster.languages);
    const names = languageCode === 'en-GB' ? INTERNATIONAL : COUNTRIES[cluster.country];
    const name = companyName(random, names, usedNames);
    return {
      code: `C${10001 + i}`,
      name,
      cluster: cluster.name,
      languageCode,
      emailAddresses: emailAddresses(random, name, names),
      monthlyCents: random.int(2500, 250000),
      // A few customers joined during the demo's periods, so they have fewer invoices.
      firstPeriod: random.weighted([[0, 92], [1, 4], [2, 4]]),
      wantsSpecification: random.chance(0.35),
    };
  });
}

// --- invoices -------------------------------------------------------------------------------

/** Approved invoices get the next number; the last period still has some concepts. */
function invoiceStatus(random: Random, isLastPeriod: boolean): string {
  return isLastPeriod ? random.weighted([['approved', 88], ['open', 7], ['pending', 5]]) : 'approved';
}

function invoices(random: Random, customerList: DemoCustomer[]): DemoInvoice[] {
  const periods = billingPeriods();
  let sequence = 0;
  const nextNumber = () => `INV-${periods[0].start.slice(0, 4)}-${String(++sequence).padStart(6, '0')}`;
  const list: DemoInvoice[] = [];
  periods.forEach((period, periodIndex) => {
    const isLastPeriod = periodIndex === periods.length - 1;
    for (const customer of customerList) {
      if (periodIndex < customer.firstPeriod) continue;
      const status = invoiceStatus(random, isLastPeriod);
      const approved = status === 'approved';
      const base = {
        customerCode: customer.code,
        customerName: customer.name,
        periodStart: period.start,
        periodEnd: period.end,
        currency: CURRENCY,
      };
      list.push({
        ...base,
        type: 'period',
        status,
        number: approved ? nextNumber() : null,
        invoiceDate: approved ? period.nextDay : null,
        cents: Math.round(customer.monthlyCents * (0.9 + random.next() * 0.2)),
        wantsSpecification: customer.wantsSpecification,
      });
      // Now and then an ad-hoc invoice or a credit note in the same period.
      const extra = random.weighted<string | null>([[null, 96], ['adhoc', 3], ['credit', 1]]);
      if (extra) {
        list.push({
          ...base,
          type: extra,
          status: 'approved',
          number: nextNumber(),
          invoiceDate: period.nextDay,
          cents: (extra === 'credit' ? -1 : 1) * random.int(1500, 40000),
          wantsSpecification: false,
        });
      }
    }
  });
  return list;
}

/** The identity of an invoice: its number, or for a concept its customer, period and type. */
export const invoiceKey = ({ number, customerCode, periodStart, type }: InvoiceIdentity) => number ?? `${customerCode}/${periodStart}/${type}`;

// --- transformation results -----------------------------------------------------------------

const escapeHtml = (text: string | null) => String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** A usage specification whose lines add up to the invoice amount. */
export function specificationHtml(invoice: DemoInvoice) {
  const licences = Math.round(invoice.cents * 0.6);
  const storage = Math.round(invoice.cents * 0.3);
  const lines: [string, number][] = [
    ['User licences', licences],
    ['Cloud storage', storage],
    ['Support', invoice.cents - licences - storage],
  ];
  const rows = lines.map(([label, cents]) => `<tr><td>${label}</td><td style="text-align:right">${formatMoney(cents)}</td></tr>`).join('\n');
  return `<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>Usage specification ${escapeHtml(invoice.number)}</title></head>
<body>
<h1>Usage specification</h1>
<p>${escapeHtml(invoice.customerName)} (${escapeHtml(invoice.customerCode)}), invoice ${escapeHtml(invoice.number)},
${longDate(invoice.periodStart)} – ${longDate(invoice.periodEnd)}</p>
<table>
${rows}
<tr><th>Total</th><th style="text-align:right">${formatMoney(invoice.cents)}</th></tr>
</table>
</body></html>
`;
}

/**
 * Which approved invoices have which documents. Most have a PDF (a few out of date); customers who
 * want it also get a specification; some have nothing, so a run shows every skip reason.
 */
function transformationResults(random: Random, invoiceList: DemoInvoice[]): DemoTransformationResult[] {
  const results: DemoTransformationResult[] = [];
  for (const invoice of invoiceList.filter(({ status }) => status === 'approved')) {
    const documents = random.weighted([['pdf', 86], ['pdf-out-of-date', 4], ['nothing', 10]]);
    if (documents !== 'nothing') {
      results.push({ invoice, transformation: TRANSFORMATIONS.pdf.name, kind: 'pdf', isOutOfDate: documents === 'pdf-out-of-date' });
    }
    if (invoice.wantsSpecification && documents !== 'nothing') {
      results.push({ invoice, transformation: TRANSFORMATIONS.specification.name, kind: 'html', isOutOfDate: false });
    }
  }
  return results;
}

/** The values printed on an invoice's PDF. */
export const invoicePdfFields = (invoice: DemoInvoice): InvoicePdfFields => ({
  number: invoice.number ?? '',
  customerName: invoice.customerName,
  customerCode: invoice.customerCode,
  period: `${longDate(invoice.periodStart)} – ${longDate(invoice.periodEnd)}`,
  invoiceDate: invoice.invoiceDate ? longDate(invoice.invoiceDate) : '',
  amount: formatMoney(invoice.cents),
  seller: SELLER,
});

/** `customerCount`: a smaller set (the browser tests'), the first customers of the full one. */
export function buildDemoData({ customerCount = CUSTOMER_COUNT }: { customerCount?: number } = {}) {
  const random = createRandom(SEED);
  const customerList = customers(random, customerCount);
  const invoiceList = invoices(random, customerList);
  return {
    clusters: CLUSTERS.map(({ name, parent }) => ({ name, parent: parent ?? null })),
    customers: customerList,
    invoices: invoiceList,
    transformations: Object.values(TRANSFORMATIONS),
    results: transformationResults(random, invoiceList),
    senders: SENDERS,
    definitions: DEFINITIONS,
  };
}
