import type { Core } from '@strapi/strapi';
import type { Services } from '../../src/plugins/message-runs/server/src/services';
import { PLUGIN_ID } from '../../src/plugins/message-runs/shared/constants';

/**
 * The one place where scripts/ reaches into the plugin's source: a rename or move there fails
 * `tsc -p scripts` here, instead of a script breaking at run time. (Scripts that run the app still
 * load it from dist/ as Strapi does; what they use of it themselves is imported from here.)
 */
export { resolveTables, type Tables } from '../../src/plugins/message-runs/server/src/data/tables';
export type { MessageRunsConfig } from '../../src/plugins/message-runs/server/src/config';
export { BULK_RESULTS } from '../../src/plugins/message-runs/server/src/services/runs';
export { RUN_UID } from '../../src/plugins/message-runs/shared/constants';

type PluginServices = { [Name in keyof Services]: ReturnType<Services[Name]> };

/** The plugin's service `name` of this Strapi, typed as the source defines it. */
export const pluginService = <Name extends keyof Services>(strapi: Core.Strapi, name: Name): PluginServices[Name] =>
  strapi.plugin(PLUGIN_ID).service(name) as PluginServices[Name];
