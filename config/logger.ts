import type { Core } from '@strapi/strapi';

export default ({ env }: Core.Config.Shared.ConfigParams) => ({
  // error | warn | info | http (each request) | verbose | debug
  level: env('LOG_LEVEL', 'http'),
});
