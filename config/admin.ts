import type { Core } from '@strapi/strapi';

export default ({ env }: Core.Config.Shared.ConfigParams) => ({
  auth: {
    secret: env('ADMIN_JWT_SECRET'),
  },
  apiToken: {
    salt: env('API_TOKEN_SALT'),
  },
  transfer: {
    token: {
      salt: env('TRANSFER_TOKEN_SALT'),
    },
  },
  secrets: {
    encryptionKey: env('ENCRYPTION_KEY'),
  },
  // Login attempts per address and 5 minutes (Strapi's default, 5). The browser tests' server raises
  // it: its five test files each log in through the form, besides the API's own login.
  rateLimit: {
    max: env.int('ADMIN_LOGIN_RATE_LIMIT', 5),
  },
  // No browser to open on a server, and no network calls from the panel's promotions.
  autoOpen: false,
  flags: {
    nps: false,
    promoteEE: false,
  },
});
