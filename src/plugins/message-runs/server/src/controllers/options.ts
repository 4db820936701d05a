import type { Core } from '@strapi/strapi';
import type Koa from 'koa';
import type { GetClusterOptions, GetDefinitionOptions, GetKeyOptions } from '../../../shared/contracts/options';
import { getService } from '../utils';
import { validateOptionsQuery } from './validation/admin';

export default ({ strapi }: { strapi: Core.Strapi }) => {
  const options = () => getService(strapi, 'options');

  /** A handler answering `{ data }`: the options `find` gives for the query's `q`, as the contract types them. */
  const answerWith =
    <Options>(find: (q?: string) => Promise<Options>) =>
    async (ctx: Koa.Context) => {
      ctx.body = { data: await find(await validateOptionsQuery(ctx.query)) };
    };

  return {
    definitions: answerWith<GetDefinitionOptions.Response['data']>((q) => options().definitions(q)),
    clusters: answerWith<GetClusterOptions.Response['data']>((q) => options().clusters(q)),
    recipientKeys: answerWith<GetKeyOptions.Response['data']>((q) => options().recipientKeys(q)),
    senderKeys: answerWith<GetKeyOptions.Response['data']>((q) => options().senderKeys(q)),
  };
};
