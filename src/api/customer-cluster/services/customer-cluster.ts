import { factories } from '@strapi/strapi';

export default factories.createCoreService('api::customer-cluster.customer-cluster');
