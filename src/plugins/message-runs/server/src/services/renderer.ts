import Handlebars from 'handlebars';

/**
 * Renders a run's messages from its frozen definition. Templates are compiled once per run (not
 * once per message), in an isolated Handlebars environment with the helpers `date` and `money`.
 * Handlebars denies access to prototype properties by default; the runtime options say so explicitly.
 */
export interface TemplateContext {
  customer: { code: string; name: string; languageCode: string | null };
  recipient: { address: string; displayName: string | null };
  invoice: InvoiceContext;
  invoices: InvoiceContext[];
  cluster: { name: string } | null;
  sender: { email: string; displayName: string | null };
  run: { periodStart: string; periodEnd: string };
}

export interface InvoiceContext {
  number: string | null;
  label: string;
  periodStart: string;
  periodEnd: string;
  amount: number | null;
  currency: string | null;
  status: string;
  type: string;
  invoiceDate: string | null;
}

export interface RenderedMessage {
  subject: string;
  html: string;
  text: string | undefined;
}

export interface Templates {
  subjectTemplate: string;
  bodyTemplate: string;
  textTemplate: string | null;
}

const DEFAULT_LOCALE = 'en-US';

const localeOf = (options: Handlebars.HelperOptions) => options.data?.root?.customer?.languageCode || DEFAULT_LOCALE;

function createEnvironment() {
  const handlebars = Handlebars.create();
  /** {{date invoice.periodStart}} or {{date x "long"}}: a calendar date in the customer's language. */
  handlebars.registerHelper('date', function (value: unknown, ...rest: unknown[]) {
    const options = rest.pop() as Handlebars.HelperOptions;
    if (value === null || value === undefined || value === '') return '';
    const style = (typeof rest[0] === 'string' ? rest[0] : 'medium') as 'short' | 'medium' | 'long' | 'full';
    const date = typeof value === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(value) ? new Date(`${value}T00:00:00Z`) : new Date(value as string);
    if (Number.isNaN(date.getTime())) throw new Error(`date: "${String(value)}" is not a date`);
    return new Intl.DateTimeFormat(localeOf(options), { dateStyle: style, timeZone: 'UTC' }).format(date);
  });
  /** {{money invoice.amount invoice.currency}}: an amount in the customer's language. */
  handlebars.registerHelper('money', function (amount: unknown, ...rest: unknown[]) {
    const options = rest.pop() as Handlebars.HelperOptions;
    if (amount === null || amount === undefined || amount === '') return '';
    const currency = typeof rest[0] === 'string' && rest[0] ? rest[0] : 'EUR';
    const number = Number(amount);
    if (Number.isNaN(number)) throw new Error(`money: "${String(amount)}" is not an amount`);
    return new Intl.NumberFormat(localeOf(options), { style: 'currency', currency }).format(number);
  });
  return handlebars;
}

const environment = createEnvironment();

const RUNTIME_OPTIONS: Handlebars.RuntimeOptions = {
  allowProtoPropertiesByDefault: false,
  allowProtoMethodsByDefault: false,
};

/** Compiles a run's templates once; the returned function renders one message. */
export function compileTemplates(templates: Templates) {
  // Subject and text are plain text: no HTML escaping (a customer "A & <B>" stays as it is).
  const subject = environment.compile(templates.subjectTemplate, { noEscape: true, strict: false });
  const html = environment.compile(templates.bodyTemplate, { strict: false });
  const text = templates.textTemplate ? environment.compile(templates.textTemplate, { noEscape: true, strict: false }) : undefined;

  return (context: TemplateContext): RenderedMessage => ({
    // A header cannot hold a line break: folding it to spaces also stops header injection.
    subject: subject(context, RUNTIME_OPTIONS).replace(/\s*[\r\n]+\s*/g, ' ').trim(),
    html: html(context, RUNTIME_OPTIONS),
    text: text?.(context, RUNTIME_OPTIONS),
  });
}
