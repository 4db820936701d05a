import { factories } from '@strapi/strapi';

export default factories.createCoreRouter('api::message-definition.message-definition');
