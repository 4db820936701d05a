import path from 'path';
import request from 'supertest';
import { createStrapi, type Core } from '@strapi/strapi';
import { createTestDatabase, type TestDatabase, type TestDatabaseClient } from './databases';
import { freshSecrets } from '../../scripts/lib/secrets';

export interface TestApp {
  strapi: Core.Strapi;
  database: TestDatabaseClient;
  /** supertest against the instance's HTTP server (routes mounted, not listening). */
  http(): ReturnType<typeof request>;
  stop(): Promise<void>;
}

/**
 * Starts a real Strapi instance of this app (compiled by tests/setup/compile.js) on a fresh database
 * of the project's kind (TEST_DATABASE: sqlite or postgres). One per test file.
 */
export async function startStrapi(env: Record<string, string> = {}): Promise<TestApp> {
  const client = (process.env.TEST_DATABASE ?? 'sqlite') as TestDatabaseClient;
  const database: TestDatabase = await createTestDatabase(client);
  Object.assign(process.env, {
    ...freshSecrets(),
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'error',
    STRAPI_STARTUP_BANNER: 'false',
    MESSAGE_RUNS_CRON: 'false',
    ...database.env,
    ...env,
  });
  const appDir = process.cwd();
  const strapi = await createStrapi({ appDir, distDir: path.join(appDir, 'dist') }).load();
  // Routes are mounted lazily by listen(); supertest drives the raw http.Server instead.
  strapi.server.mount();
  return {
    strapi,
    database: client,
    http: () => request(strapi.server.httpServer),
    async stop() {
      await strapi.destroy();
      await database.drop();
    },
  };
}
