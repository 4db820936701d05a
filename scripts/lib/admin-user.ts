import type { Core } from '@strapi/strapi';

export interface AdminCredentials {
  email: string;
  password: string;
}

const DEFAULT_ADMIN = { email: 'admin@example.com', password: 'Demo-Admin-2026!' };

/** The demo admin's login, overridable with DEMO_ADMIN_EMAIL and DEMO_ADMIN_PASSWORD. */
export const demoAdminCredentials = (env: NodeJS.ProcessEnv = process.env): AdminCredentials => ({
  email: (env.DEMO_ADMIN_EMAIL || DEFAULT_ADMIN.email).toLowerCase(),
  password: env.DEMO_ADMIN_PASSWORD || DEFAULT_ADMIN.password,
});

/** Strapi's admin password rules (admin `commonValidators.password`), checked before creating. */
function passwordProblem(password: string) {
  if (password.length < 8) return 'must have at least 8 characters';
  if (Buffer.byteLength(password) > 72) return 'must be at most 72 bytes';
  if (!/[a-z]/.test(password)) return 'must contain a lowercase letter';
  if (!/[A-Z]/.test(password)) return 'must contain an uppercase letter';
  if (!/\d/.test(password)) return 'must contain a number';
  return null;
}

/**
 * Creates an active super admin with these credentials unless a user with that email exists (then
 * its password is left alone). Returns whether it created one.
 */
export async function ensureDemoAdmin(strapi: Core.Strapi, { email, password }: AdminCredentials) {
  const users = strapi.service('admin::user');
  if (await users.exists({ email })) {
    return false;
  }
  const problem = passwordProblem(password);
  if (problem) {
    throw new Error(`DEMO_ADMIN_PASSWORD ${problem}`);
  }
  const superAdminRole = await strapi.service('admin::role').getSuperAdmin();
  await users.create({
    email,
    firstname: 'Demo',
    lastname: 'Admin',
    password,
    isActive: true,
    registrationToken: null,
    roles: [superAdminRole.id],
  });
  return true;
}
