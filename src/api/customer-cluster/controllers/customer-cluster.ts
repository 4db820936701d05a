import { factories } from '@strapi/strapi';

export default factories.createCoreController('api::customer-cluster.customer-cluster');
