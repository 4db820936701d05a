import crypto from 'crypto';

const secret = () => crypto.randomBytes(16).toString('base64');

/** The secrets Strapi needs (config/server.ts, admin.ts, plugins.ts), freshly generated. */
export const freshSecrets = (): Record<string, string> => ({
  APP_KEYS: [secret(), secret(), secret(), secret()].join(','),
  API_TOKEN_SALT: secret(),
  ADMIN_JWT_SECRET: secret(),
  TRANSFER_TOKEN_SALT: secret(),
  JWT_SECRET: secret(),
  ENCRYPTION_KEY: secret(),
});
