export default [
  'strapi::logger',
  'strapi::errors',
  'global::conflicts',
  'global::bad-values',
  'global::missing-credentials',
  'strapi::security',
  'strapi::cors',
  'strapi::poweredBy',
  'strapi::query',
  // includeUnparsed keeps each JSON body's text as it arrived (under Symbol.for('unparsedBody')): SendGrid
  // signs the bytes it sends, which JSON parsed and written again would not reproduce. The JSON limit
  // stays koa-body's 1 MB, which bounds a provider's webhook batch too.
  { name: 'strapi::body', config: { includeUnparsed: true } },
  // After query and body, which parse what it checks; before the router, so it guards every route.
  'global::input-gate',
  'strapi::session',
  'strapi::favicon',
  'strapi::public',
];
