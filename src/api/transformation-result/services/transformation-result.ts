import { factories } from '@strapi/strapi';

export default factories.createCoreService('api::transformation-result.transformation-result');
