import type { Core } from '@strapi/strapi';
import type { Actor } from '../../src/plugins/message-runs/shared/contracts/events';
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
 * Creates an active admin user with the given roles and logs it in through POST /admin/login: the
 * token goes in "Authorization: Bearer …" on admin routes.
 */
export async function loginAdmin(
  { strapi, http }: TestApp,
  roleIds: number[],
  names = { firstname: 'Test', lastname: 'Admin' }
) {
  const email = `admin-${Date.now()}-${Math.floor(Math.random() * 1e6)}@example.com`;
  const password = 'Test-Password-123';
  await strapi.service('admin::user').create({ email, password, ...names, isActive: true, roles: roleIds });
  const res = await http().post('/admin/login').send({ email, password });
  if (res.status !== 200) {
    throw new Error(`admin login failed: ${res.status} ${JSON.stringify(res.body)}`);
  }
  return res.body.data.token as string;
}

/** Creates an active super admin and logs it in. */
export async function loginSuperAdmin(app: TestApp, names?: { firstname: string; lastname: string }) {
  const superAdminRole = await app.strapi.service('admin::role').getSuperAdmin();
  return loginAdmin(app, [superAdminRole.id], names);
}

/** Logs in a super admin of the given name: its token, and the actor the history records for it. */
export async function loginNamedSuperAdmin(app: TestApp, firstname: string, lastname: string) {
  const token = await loginSuperAdmin(app, { firstname, lastname });
  const me = await app.http().get('/admin/users/me').set('Authorization', `Bearer ${token}`);
  const actor: Actor = { kind: 'admin', id: String(me.body.data.id), name: `${firstname} ${lastname}` };
  return { token, actor };
}

/** Creates an admin role that may do only the given (subject-less) actions, and logs in a user with it. */
export async function loginAdminWithActions(app: TestApp, actions: string[]) {
  const roles = app.strapi.service('admin::role');
  const role = await roles.create({
    name: `role-${Date.now()}-${Math.floor(Math.random() * 1e6)}`,
    description: actions.join(', '),
  });
  await roles.assignPermissions(
    role.id,
    actions.map((action) => ({
      action,
      subject: null,
      properties: {},
      conditions: [],
    }))
  );
  return loginAdmin(app, [role.id], {
    firstname: 'Limited',
    lastname: 'Admin',
  });
}
