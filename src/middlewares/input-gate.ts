import type { Core } from '@strapi/strapi';
import { errors } from '@strapi/utils';
import type { Context as KoaContext } from 'koa';

/**
 * Refuses, before any route runs, a request whose path, query or body holds a NUL byte in a string (or
 * in an object key), an object key that Object.prototype has (`__proto__`, `constructor`, `toString`,
 * …) or `prototype`, or a query value naming such a field (`fields[0]=__proto__`, `sort=toString`,
 * `populate=parent.constructor`): a 400 naming the field. No content type or route has a field of
 * those names, and Strapi looks fields up on plain objects (`attributes[name]`), where it finds
 * Object.prototype's (yup took `constructor` for a schema, the query builder selected a column
 * `__proto__`, a body key `toString` was a 500 too). PostgreSQL cannot store NUL in text
 * (error 22021), so without this gate such a value reached the database as a 500, or, through Strapi's
 * unique check, an unhandled rejection. It runs after `strapi::query` and `strapi::body` (which parse
 * what it walks) and before the router, so it covers every route: Strapi's REST and Content Manager,
 * the plugin's, any added later.
 *
 * Strapi's query parser (qs, `allowPrototypes: false`) silently drops a query key naming an
 * Object.prototype property (`filters[__proto__][$eq]=x`, `constructor[x]=1`), so those keys never
 * reach the gate nor a route; a value is kept as sent, and in `fields`, `sort` and `populate` (at the
 * top and inside `populate`, not inside `filters`) a value names fields, so its names are checked.
 * Brackets deeper than qs's depth (20) stay one literal key (`[a][a]…`), which the walk sees as any key.
 *
 * The walk is iterative and bounded: a body nested deeper than MAX_DEPTH or holding more than
 * MAX_VALUES values is refused rather than walked (koa-body's size limit keeps the second one rare).
 */
const MAX_DEPTH = 64;
const MAX_VALUES = 200_000;

type Path = (string | number)[];
type Finding = {
  problem: 'nul' | 'prototype-key' | 'prototype-name' | 'too-deep' | 'too-large';
  path: Path;
  name?: string;
};

const PROTOTYPE_NAMES = new Set([...Object.getOwnPropertyNames(Object.prototype), 'prototype']);

/**
 * What the strings below a key are: field names (`fields`, `sort`, `populate` at the top of the query
 * and, inside `populate`, the relations and their own parameters) or values (`filters`, the body, the rest).
 */
type Context = 'query' | 'names' | 'values';
const FIELD_NAMING_PARAMETERS = new Set(['fields', 'sort', 'populate']);
const contextBelow = (context: Context, key: string | number): Context => {
  if (context === 'values' || key === 'filters') return 'values';
  if (context === 'names' || (typeof key === 'string' && FIELD_NAMING_PARAMETERS.has(key))) return 'names';
  return 'values';
};

/** The names in `name,parent.cluster:desc` (Strapi's lists, dotted paths and sort directions). */
const namesIn = (text: string) =>
  text.split(',').flatMap((part) =>
    part
      .split(':')[0]
      .split('.')
      .map((name) => name.trim())
  );

/** `data.emailAddresses[1].key`; a key with a NUL byte is shown escaped, as JSON writes it. */
const formatPath = (path: Path) =>
  path.reduce<string>((text, part) => {
    if (typeof part === 'number') return `${text}[${part}]`;
    const name = part.replace(/\0/g, '\\u0000');
    return text ? `${text}.${name}` : name;
  }, '');

/**
 * The first string or key holding a NUL byte, the first prototype key, the first field name that is a
 * prototype name, or the bound the walk hit; undefined when clean.
 */
function findHostile(root: unknown, rootPath: Path, rootContext: Context): Finding | undefined {
  const pending: { value: unknown; path: Path; context: Context }[] = [
    { value: root, path: rootPath, context: rootContext },
  ];
  for (let visited = 0; pending.length; visited += 1) {
    const { value, path, context } = pending.pop()!;
    if (visited >= MAX_VALUES) return { problem: 'too-large', path: rootPath };
    if (typeof value === 'string') {
      if (value.includes('\0')) return { problem: 'nul', path };
      const name = context === 'names' ? namesIn(value).find((part) => PROTOTYPE_NAMES.has(part)) : undefined;
      if (name !== undefined) return { problem: 'prototype-name', path, name };
      continue;
    }
    if (value === null || typeof value !== 'object' || Buffer.isBuffer(value)) continue;
    if (path.length - rootPath.length >= MAX_DEPTH) return { problem: 'too-deep', path: rootPath };
    const entries: [string | number, unknown][] = Array.isArray(value)
      ? value.map((item, index) => [index, item])
      : Object.entries(value);
    for (const [key, item] of entries) {
      if (typeof key === 'string' && key.includes('\0')) return { problem: 'nul', path: [...path, key] };
      if (typeof key === 'string' && PROTOTYPE_NAMES.has(key))
        return { problem: 'prototype-key', path: [...path, key] };
      pending.push({ value: item, path: [...path, key], context: contextBelow(context, key) });
    }
  }
  return undefined;
}

const MESSAGES: Record<Finding['problem'], (field: string, name?: string) => string> = {
  nul: (field) => `${field} must not contain a NUL byte`,
  'prototype-key': (field) => `${field} is not a field`,
  'prototype-name': (field, name) => `${field} names ${name}, which is not a field`,
  'too-deep': (field) => `${field} nests deeper than ${MAX_DEPTH} levels`,
  'too-large': (field) => `${field} holds more than ${MAX_VALUES} values`,
};

/** The path as the router will decode it; a malformed escape is left to the router to refuse. */
const decodedPath = (path: string) => {
  try {
    return decodeURIComponent(path);
  } catch {
    return path;
  }
};

/**
 * Where a request carries outside strings: the name of the whole, and the path its fields are
 * reported under (the query's and the body's as the client wrote them: `q`, `data.name`).
 */
const requestInputs = (ctx: KoaContext): { whole: string; value: unknown; path: Path; context: Context }[] => [
  { whole: 'path', value: decodedPath(ctx.path), path: ['path'], context: 'values' },
  { whole: 'query', value: ctx.query, path: [], context: 'query' },
  { whole: 'body', value: ctx.request.body, path: [], context: 'values' },
];

/** The plugin's public route for mail providers' webhooks (their own formats). */
const PROVIDER_WEBHOOK = /^\/api\/message-runs\/events\/[^/]+$/;

/** The Content Manager's routes that take a document (create, update, clone, publish…) as their body. */
const CONTENT_MANAGER_DOCUMENT = /^\/content-manager\/(collection-types|single-types)\//;

const refuse = (message: string, path: Path) =>
  new errors.ValidationError(message, { errors: [{ path, message, name: 'ValidationError' }] });

export default (): Core.MiddlewareHandler => async (ctx, next) => {
  for (const { whole, value, path, context } of requestInputs(ctx)) {
    const finding = findHostile(value, path, context);
    if (!finding) continue;
    throw refuse(MESSAGES[finding.problem](formatPath(finding.path) || whole, finding.name), finding.path);
  }
  const { body } = ctx.request;
  // Every route takes an object as its body (Strapi's `{ data }`, the Content Manager's document, the
  // plugin's criteria); the Content Manager defined properties on an array body: a 500. The one
  // exception is a mail provider's webhook, whose format the provider sets: SendGrid posts a list of events.
  if (Array.isArray(body) && !PROVIDER_WEBHOOK.test(ctx.path))
    throw refuse('body must be a JSON object, not a list', []);
  // The server numbers rows, but the Content Manager wrote a document's `id` as sent: `null` broke
  // PostgreSQL's not-null constraint (a 500), a number was stored behind the id sequence's back (the
  // sequence's next value would collide). The admin's forms never send it; its components' ids are
  // nested and stay (they name the component rows to keep).
  if (CONTENT_MANAGER_DOCUMENT.test(ctx.path) && body && typeof body === 'object') {
    if (Object.hasOwn(body, 'id')) throw refuse('id is set by the server, not by the client', ['id']);
    // Strapi looks a given documentId up (`where: { documentId }`): an object was taken for operators
    // (a 500), a number, a boolean or a list was stored as the document's documentId.
    if (body.documentId != null && typeof body.documentId !== 'string')
      throw refuse('documentId must be a string', ['documentId']);
  }
  // The Content Manager's search text: it calls `_q.split`, so an object there (`_q[$ne]=x`) was a 500.
  if (ctx.query._q !== undefined && typeof ctx.query._q !== 'string') throw refuse('_q must be a string', ['_q']);
  await next();
};
