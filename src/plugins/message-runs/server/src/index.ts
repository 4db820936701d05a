import register from './register';
import bootstrap from './bootstrap';
import destroy from './destroy';
import contentTypes from './content-types';
import config from './config';
import controllers from './controllers';
import routes from './routes';
import services from './services';
import middlewares from './middlewares';

export default {
  register,
  bootstrap,
  destroy,
  config,
  contentTypes,
  controllers,
  routes,
  services,
  middlewares,
};
