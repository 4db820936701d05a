import { factories } from '@strapi/strapi';

export default factories.createCoreController('api::transformation-result.transformation-result');
