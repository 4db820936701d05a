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
  'strapi::body',
  // After query and body, which parse what it checks; before the router, so it guards every route.
  'global::input-gate',
  'strapi::session',
  'strapi::favicon',
  'strapi::public',
];
