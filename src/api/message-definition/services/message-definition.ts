import { factories } from '@strapi/strapi';

export default factories.createCoreService('api::message-definition.message-definition');
