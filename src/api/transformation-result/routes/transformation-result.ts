import { factories } from '@strapi/strapi';

export default factories.createCoreRouter('api::transformation-result.transformation-result');
