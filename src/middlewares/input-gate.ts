import { errors } from '@strapi/utils';

/**
 * Refuses, before any route runs, a request whose path, query or body holds a NUL byte in a string (or
 * in an object key), or an object key `__proto__`, `constructor` or `prototype`: a 400 naming the
 * field. No content type or route has a field of those names, and code that looks a key up on a plain
 * object finds Object.prototype's (yup took `constructor` for a schema: a 500). PostgreSQL cannot store NUL in text (error 22021), so
 * without this gate such a value reached the database as a 500, or, through Strapi's unique check,
 * an unhandled rejection. It runs after `strapi::query` and `strapi::body` (which parse what it walks)
 * and before the router, so it covers every route: Strapi's REST and Content Manager, the plugin's,
 * any added later.
 *
 * The walk is iterative and bounded: a body nested deeper than MAX_DEPTH or holding more than
 * MAX_VALUES values is refused rather than walked (koa-body's size limit keeps the second one rare).
 */
const MAX_DEPTH = 64;
const MAX_VALUES = 200_000;

type Path = (string | number)[];
type Finding = { problem: 'nul' | 'prototype-key' | 'too-deep' | 'too-large'; path: Path };

const PROTOTYPE_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/** `data.emailAddresses[1].key`; a key with a NUL byte is shown escaped, as JSON writes it. */
const formatPath = (path: Path) =>
  path.reduce<string>((text, part) => {
    if (typeof part === 'number') return `${text}[${part}]`;
    const name = part.replace(/\0/g, '\\u0000');
    return text ? `${text}.${name}` : name;
  }, '');

/** The first string or key holding a NUL byte, the first prototype key, or the bound the walk hit; undefined when clean. */
function findHostile(root: unknown, rootPath: Path): Finding | undefined {
  const pending: { value: unknown; path: Path }[] = [{ value: root, path: rootPath }];
  for (let visited = 0; pending.length; visited += 1) {
    const { value, path } = pending.pop()!;
    if (visited >= MAX_VALUES) return { problem: 'too-large', path: rootPath };
    if (typeof value === 'string') {
      if (value.includes('\0')) return { problem: 'nul', path };
      continue;
    }
    if (value === null || typeof value !== 'object' || Buffer.isBuffer(value)) continue;
    if (path.length - rootPath.length >= MAX_DEPTH) return { problem: 'too-deep', path: rootPath };
    const entries: [string | number, unknown][] = Array.isArray(value)
      ? value.map((item, index) => [index, item])
      : Object.entries(value);
    for (const [key, item] of entries) {
      if (typeof key === 'string' && key.includes('\0')) return { problem: 'nul', path: [...path, key] };
      if (typeof key === 'string' && PROTOTYPE_KEYS.has(key)) return { problem: 'prototype-key', path: [...path, key] };
      pending.push({ value: item, path: [...path, key] });
    }
  }
  return undefined;
}

const MESSAGES: Record<Finding['problem'], (field: string) => string> = {
  nul: (field) => `${field} must not contain a NUL byte`,
  'prototype-key': (field) => `${field} is not a field`,
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
const requestInputs = (ctx): { whole: string; value: unknown; path: Path }[] => [
  { whole: 'path', value: decodedPath(ctx.path), path: ['path'] },
  { whole: 'query', value: ctx.query, path: [] },
  { whole: 'body', value: ctx.request.body, path: [] },
];

const refuse = (message: string, path: Path) =>
  new errors.ValidationError(message, { errors: [{ path, message, name: 'ValidationError' }] });

export default () => async (ctx, next) => {
  for (const { whole, value, path } of requestInputs(ctx)) {
    const finding = findHostile(value, path);
    if (!finding) continue;
    throw refuse(MESSAGES[finding.problem](formatPath(finding.path) || whole), finding.path);
  }
  // Every route takes an object as its body (Strapi's `{ data }`, the Content Manager's document, the
  // plugin's criteria); the Content Manager defined properties on an array body: a 500.
  if (Array.isArray(ctx.request.body)) throw refuse('body must be a JSON object, not a list', []);
  // The Content Manager's search text: it calls `_q.split`, so an object there (`_q[$ne]=x`) was a 500.
  if (ctx.query._q !== undefined && typeof ctx.query._q !== 'string') throw refuse('_q must be a string', ['_q']);
  await next();
};
