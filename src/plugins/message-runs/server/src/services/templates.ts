import Handlebars from 'handlebars';
import type { Templates, TemplateTranslation } from '../domain/definition';

/**
 * The template language of message definitions: Handlebars in an isolated environment whose only
 * helpers are TEMPLATE_HELPERS (no `log`, no partials, no decorators), and the context a message is
 * rendered with. Handlebars denies access to prototype properties by default; the runtime options say
 * so explicitly. The render thread (render-thread.ts) compiles and renders with it; the definition
 * rules (src/validation/handlebars-syntax.ts) refuse templates that call anything else.
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

/** The language codes a customer's code falls back through: `nl-BE` → `nl-BE`, `nl`; `nl` → `nl`. */
export const languageChain = (languageCode: string | null | undefined): string[] => {
  if (!languageCode) return [];
  const primary = languageCode.split('-')[0];
  return primary === languageCode ? [languageCode] : [languageCode, primary];
};

/**
 * The templates of a customer's language: each template from the first translation along the
 * customer's chain (`nl-BE` → `nl`) that has it, else the definition's own. `language` names the
 * first translation of the chain the definition has, or null for none (the definition's own).
 * Snapshots of runs created before translations existed have none.
 */
export function templatesFor(
  definition: Templates & { translations?: TemplateTranslation[] },
  languageCode: string | null | undefined
): { language: string | null; templates: Templates } {
  const translations = languageChain(languageCode)
    .map((code) => definition.translations?.find((translation) => translation.languageCode === code))
    .filter((translation): translation is TemplateTranslation => Boolean(translation));
  const pick = (field: keyof Templates) =>
    translations.find((translation) => translation[field])?.[field] ?? definition[field];
  return {
    language: translations[0]?.languageCode ?? null,
    templates: {
      subjectTemplate: pick('subjectTemplate')!,
      bodyTemplate: pick('bodyTemplate')!,
      textTemplate: pick('textTemplate') ?? null,
    },
  };
}

/** The helpers a template may call: Handlebars' block helpers and the plugin's formatters. */
export const TEMPLATE_HELPERS: readonly string[] = ['if', 'unless', 'each', 'with', 'lookup', 'date', 'money'];

/** Not callable by name: Handlebars moves them to hooks that make `{{#invoices}}` sections and missing helpers work. */
const HANDLEBARS_HOOKS = ['helperMissing', 'blockHelperMissing'];

const DEFAULT_LOCALE = 'en-US';

const localeOf = (options: Handlebars.HelperOptions) => options.data?.root?.customer?.languageCode || DEFAULT_LOCALE;

const FORMATS_KEPT = 500;
/**
 * Builds a formatter once per locale and style: constructing an Intl formatter costs far more than
 * formatting with it (it was most of the rendering time of a batch).
 */
function cachedFormats<F>(create: (locale: string, option: string) => F) {
  const formats = new Map<string, F>();
  return (locale: string, option: string) => {
    const key = `${locale}\u0000${option}`;
    let format = formats.get(key);
    if (!format) {
      format = create(locale, option);
      if (formats.size >= FORMATS_KEPT) formats.clear();
      formats.set(key, format);
    }
    return format;
  };
}
const dateFormat = cachedFormats(
  (locale, style) => new Intl.DateTimeFormat(locale, { dateStyle: style as Intl.DateTimeFormatOptions['dateStyle'], timeZone: 'UTC' })
);
const moneyFormat = cachedFormats((locale, currency) => new Intl.NumberFormat(locale, { style: 'currency', currency }));

/** A calendar day (`2026-01-31`) or an ISO 8601 moment; JavaScript's own parser also takes "INV-1" (2001). */
const ISO_DATE = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/;

function dateOf(value: unknown): Date | undefined {
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? undefined : value;
  if (typeof value !== 'string' || !ISO_DATE.test(value)) return undefined;
  // Its calendar day must exist: JavaScript rolls 2026-02-30 over to 2 March.
  const [year, month, day] = value.slice(0, 10).split('-').map(Number);
  const calendarDay = new Date(Date.UTC(year, month - 1, day));
  if (calendarDay.getUTCMonth() !== month - 1 || calendarDay.getUTCDate() !== day) return undefined;
  const date = value.length === 10 ? calendarDay : new Date(value);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

function createEnvironment() {
  const handlebars = Handlebars.create();
  /** {{date invoice.periodStart}} or {{date x "long"}}: a calendar date in the customer's language. */
  handlebars.registerHelper('date', function (value: unknown, ...rest: unknown[]) {
    const options = rest.pop() as Handlebars.HelperOptions;
    if (value === null || value === undefined || value === '') return '';
    const style = typeof rest[0] === 'string' ? rest[0] : 'medium';
    const date = dateOf(value);
    if (!date) throw new Error(`date: "${String(value)}" is not a date`);
    return dateFormat(localeOf(options), style).format(date);
  });
  /** {{money invoice.amount invoice.currency}}: an amount in the customer's language. */
  handlebars.registerHelper('money', function (amount: unknown, ...rest: unknown[]) {
    const options = rest.pop() as Handlebars.HelperOptions;
    if (amount === null || amount === undefined || amount === '') return '';
    const currency = typeof rest[0] === 'string' && rest[0] ? rest[0] : 'EUR';
    const number = Number(amount);
    if (Number.isNaN(number)) throw new Error(`money: "${String(amount)}" is not an amount`);
    return moneyFormat(localeOf(options), currency).format(number);
  });
  // Everything else goes, `log` first: a template must not write to the server's log.
  for (const name of Object.keys(handlebars.helpers)) {
    if (!TEMPLATE_HELPERS.includes(name) && !HANDLEBARS_HOOKS.includes(name)) handlebars.unregisterHelper(name);
  }
  for (const name of Object.keys(handlebars.decorators)) handlebars.unregisterDecorator(name);
  return handlebars;
}

const environment = createEnvironment();

const RUNTIME_OPTIONS: Handlebars.RuntimeOptions = {
  allowProtoPropertiesByDefault: false,
  allowProtoMethodsByDefault: false,
};

/**
 * The compiler calls the helpers it knows by default without looking them up; `log`, which the
 * environment does not have, must take the missing-helper path instead.
 */
const HTML_OPTIONS: CompileOptions = { strict: false, knownHelpers: { log: false } };
// Subject and text are plain text: no HTML escaping (a customer "A & <B>" stays as it is).
const PLAIN_TEXT_OPTIONS: CompileOptions = { ...HTML_OPTIONS, noEscape: true };

/** Compiles a run's templates; the returned function renders one message. */
export function compileTemplates(templates: Templates) {
  const subject = environment.compile(templates.subjectTemplate, PLAIN_TEXT_OPTIONS);
  const html = environment.compile(templates.bodyTemplate, HTML_OPTIONS);
  const text = templates.textTemplate ? environment.compile(templates.textTemplate, PLAIN_TEXT_OPTIONS) : undefined;

  return (context: TemplateContext): RenderedMessage => ({
    // A header cannot hold a line break: folding it to spaces also stops header injection.
    subject: subject(context, RUNTIME_OPTIONS).replace(/\s*[\r\n]+\s*/g, ' ').trim(),
    html: html(context, RUNTIME_OPTIONS),
    text: text?.(context, RUNTIME_OPTIONS),
  });
}
