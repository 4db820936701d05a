import type { Core } from '@strapi/strapi';

const MARK = { type: 'app', name: 'self-registration', key: 'default-applied' } as const;

/**
 * Users & Permissions opens self-registration (POST /api/auth/local/register) on its first boot. This
 * app has no public sign-up, so on the app's first boot it is closed, unless the environment opens it
 * (`USERS_PERMISSIONS_ALLOW_REGISTER=true`). Done once (a mark in the core store says so): an operator
 * who opens it later in Settings → Users & Permissions → Advanced settings keeps it open.
 */
export async function closeSelfRegistrationOnFirstBoot(strapi: Core.Strapi) {
  const appStore = strapi.store({ type: MARK.type, name: MARK.name });
  if (await appStore.get({ key: MARK.key })) return;
  const pluginStore = strapi.store({ type: 'plugin', name: 'users-permissions' });
  const advanced = (await pluginStore.get({ key: 'advanced' })) as Record<string, unknown>;
  const allowRegister = process.env.USERS_PERMISSIONS_ALLOW_REGISTER === 'true';
  await pluginStore.set({ key: 'advanced', value: { ...advanced, allow_register: allowRegister } });
  await appStore.set({ key: MARK.key, value: true });
  strapi.log.info(
    `[users-permissions] self-registration ${allowRegister ? 'open (USERS_PERMISSIONS_ALLOW_REGISTER=true)' : 'closed'} on first boot`
  );
}
