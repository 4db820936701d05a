import type { Core } from '@strapi/strapi';
import type { TestApp } from './strapi';

/** A content-API token ("Authorization: Bearer …") of the given type. */
export async function createApiToken(strapi: Core.Strapi, type: 'read-only' | 'full-access' = 'full-access') {
  const token = await strapi.service('admin::api-token').create({
    name: `test-${type}-${Date.now()}-${Math.random()}`,
    type,
    lifespan: null,
    description: '',
  });
  return token.accessKey as string;
}

/**
 * Creates an active super admin and logs it in: the token goes in "Authorization: Bearer …" on admin
 * routes such as the Content Manager's.
 */
export async function loginSuperAdmin({ strapi, http }: TestApp) {
  const superAdminRole = await strapi.service('admin::role').getSuperAdmin();
  const email = `admin-${Date.now()}-${Math.floor(Math.random() * 1e6)}@example.com`;
  const password = 'Test-Password-123';
  await strapi.service('admin::user').create({
    email,
    password,
    firstname: 'Test',
    lastname: 'Admin',
    isActive: true,
    roles: [superAdminRole.id],
  });
  const res = await http().post('/admin/login').send({ email, password });
  if (res.status !== 200) {
    throw new Error(`admin login failed: ${res.status} ${JSON.stringify(res.body)}`);
  }
  return res.body.data.token as string;
}
