import type { Core } from '@strapi/strapi';

export default ({ env }: Core.Config.Shared.ConfigParams) => ({
  'users-permissions': {
    config: {
      jwtSecret: env('JWT_SECRET'),
    },
  },
  'message-runs': {
    // A local plugin must be enabled explicitly; `resolve` is relative to the app root.
    enabled: true,
    resolve: './src/plugins/message-runs',
    // Every key has a default read from env (see the README's configuration table);
    // set a key here to override it for all environments.
    config: {},
  },
});
