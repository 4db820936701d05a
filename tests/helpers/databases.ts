import * as databases from '../../scripts/lib/databases';

/** Typed view of scripts/lib/databases.js, which the fault suite and the benchmarks share with the tests. */
export type TestDatabaseClient = 'sqlite' | 'postgres';

export interface TestDatabase {
  client: TestDatabaseClient;
  name: string;
  /** The DATABASE_* variables that point Strapi at this database. */
  env: Record<string, string>;
  drop(): Promise<void>;
}

export const postgresServer: { host: string; port: number; user: string; password: string } = databases.postgresServer;

/** A fresh, empty database: a file under .tmp/test on SQLite, a new database on the local PostgreSQL. */
export const createTestDatabase: (client: TestDatabaseClient) => Promise<TestDatabase> = (client) =>
  databases.createTestDatabase(client);
