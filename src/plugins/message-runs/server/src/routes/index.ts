/**
 * The run and result handlers twice: admin routes (`/message-runs/...`, admin JWT and the plugin's RBAC
 * actions) for the panel, and content-API routes (`/api/message-runs/...`, API tokens and Users &
 * Permissions roles, action `plugin::message-runs.<controller>.<action>`) for integrators.
 */
type Permission = 'read' | 'manage-runs' | 'manage-results' | 'settings';
/**
 * `idempotent`: the route honours an `Idempotency-Key` header (DESIGN.md §3, "Retrying safely"): a
 * repeat of the request gets the first answer instead of acting again.
 */
type Route = { method: string; path: string; handler: string; permission: Permission; idempotent?: true };

const MIDDLEWARES = ['plugin::message-runs.conflicts'];
// First: it stores the answer that the conflicts middleware makes of an error.
const middlewaresOf = (idempotent?: true) => (idempotent ? ['plugin::message-runs.idempotency', ...MIDDLEWARES] : MIDDLEWARES);

const ROUTES: Route[] = [
  { method: 'GET', path: '/runs', handler: 'runs.find', permission: 'read' },
  { method: 'POST', path: '/runs/preview', handler: 'runs.preview', permission: 'read' },
  { method: 'POST', path: '/runs', handler: 'runs.create', permission: 'manage-runs', idempotent: true },
  { method: 'GET', path: '/runs/:id', handler: 'runs.findOne', permission: 'read' },
  { method: 'DELETE', path: '/runs/:id', handler: 'runs.delete', permission: 'manage-runs' },
  { method: 'POST', path: '/runs/:id/start', handler: 'runs.start', permission: 'manage-runs', idempotent: true },
  { method: 'POST', path: '/runs/:id/stop', handler: 'runs.stop', permission: 'manage-runs', idempotent: true },
  { method: 'POST', path: '/runs/:id/recount', handler: 'runs.recount', permission: 'manage-runs' },
  { method: 'POST', path: '/runs/:id/schedule', handler: 'runs.schedule', permission: 'manage-runs', idempotent: true },
  { method: 'GET', path: '/runs/:id/results', handler: 'results.find', permission: 'read' },
  { method: 'GET', path: '/runs/:id/results/export', handler: 'results.export', permission: 'read' },
  { method: 'POST', path: '/runs/:id/results/resend', handler: 'results.resend', permission: 'manage-results', idempotent: true },
  { method: 'POST', path: '/runs/:id/results/remove', handler: 'results.remove', permission: 'manage-results', idempotent: true },
  { method: 'GET', path: '/results/:id/preview', handler: 'results.preview', permission: 'read' },
  { method: 'GET', path: '/results/:id/message', handler: 'results.message', permission: 'read' },
  { method: 'GET', path: '/results/:id/attachments/:position', handler: 'results.attachment', permission: 'read' },
  { method: 'POST', path: '/results/:id/test-send', handler: 'results.testSend', permission: 'manage-results', idempotent: true },
  { method: 'GET', path: '/runs/:id/events', handler: 'run-events.find', permission: 'read' },
  { method: 'GET', path: '/results/:id/events', handler: 'result-events.find', permission: 'read' },
];

/** Only for the admin panel: the new-run dialog's choices and the mail settings page. */
const ADMIN_ONLY_ROUTES: Route[] = [
  { method: 'GET', path: '/options/definitions', handler: 'options.definitions', permission: 'read' },
  { method: 'GET', path: '/options/clusters', handler: 'options.clusters', permission: 'read' },
  { method: 'GET', path: '/settings', handler: 'settings.find', permission: 'settings' },
  { method: 'POST', path: '/settings/test-email', handler: 'settings.testEmail', permission: 'settings' },
];

/**
 * The Content Manager's key fields (the message-key custom field): the keys in use, for whoever may
 * read the entries they come from in the Content Manager.
 */
const KEY_ROUTES = [
  { method: 'GET', path: '/options/recipient-keys', handler: 'options.recipientKeys', source: 'api::customer.customer' },
  { method: 'GET', path: '/options/sender-keys', handler: 'options.senderKeys', source: 'api::message-sender.message-sender' },
];

export default {
  admin: {
    type: 'admin',
    routes: [
      ...[...ROUTES, ...ADMIN_ONLY_ROUTES].map(({ permission, idempotent, ...route }) => ({
        ...route,
        config: {
          middlewares: middlewaresOf(idempotent),
          policies: [
            'admin::isAuthenticatedAdmin',
            { name: 'admin::hasPermissions', config: { actions: [`plugin::message-runs.${permission}`] } },
          ],
        },
      })),
      ...KEY_ROUTES.map(({ source, ...route }) => ({
        ...route,
        config: {
          middlewares: MIDDLEWARES,
          policies: [
            'admin::isAuthenticatedAdmin',
            { name: 'admin::hasPermissions', config: { actions: [['plugin::content-manager.explorer.read', source]] } },
          ],
        },
      })),
    ],
  },
  'content-api': {
    type: 'content-api',
    routes: [
      ...ROUTES.map(({ permission, idempotent, ...route }) => ({ ...route, config: { middlewares: middlewaresOf(idempotent) } })),
      // The only public route: mail providers call it without a Strapi token (they cannot carry one), so
      // each provider's own signature or credentials, checked by the handler, authenticate the call.
      { method: 'POST', path: '/events/:provider', handler: 'provider-events.receive', config: { auth: false } },
    ],
  },
};
