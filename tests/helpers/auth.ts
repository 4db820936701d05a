import type { Core } from '@strapi/strapi';

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
