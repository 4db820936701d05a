import type { Core } from '@strapi/strapi';
import type { Services } from '../services';
import type { Actor } from '../../../shared/contracts/events';

/** Typed access to the plugin's services. */
export const getService = <Name extends keyof Services>(strapi: Core.Strapi, name: Name): ReturnType<Services[Name]> =>
  strapi.plugin('message-runs').service(name);

/** A database timestamp (Date on PostgreSQL, epoch ms on SQLite) as an ISO string. */
export const toIsoTimestamp = (value: Date | number | string | null | undefined): string | null => {
  if (value === null || value === undefined) return null;
  const date = value instanceof Date ? value : new Date(typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value);
  return date.toISOString();
};

/** The plugin itself as the actor of a history entry: the queue (`id` its worker), a report's source, the server. */
export const systemActor = (id: string | null, name: string): Actor => ({ kind: 'system', id, name });
/** Server code that calls a service with no request behind it (scripts, the demo seed). */
export const SERVER_ACTOR = systemActor(null, 'server');
