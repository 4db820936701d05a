import fs from 'fs';
import path from 'path';
import { randomBytes } from 'crypto';
import { Client } from 'pg';

/** The PostgreSQL server that tests, the fault suite and benchmarks create their databases on. */
export const postgresServer = {
  host: process.env.TEST_PG_HOST ?? '127.0.0.1',
  port: Number(process.env.TEST_PG_PORT ?? 5432),
  user: process.env.TEST_PG_USER ?? 'postgres',
  password: process.env.TEST_PG_PASSWORD ?? '',
};

export async function withMaintenanceClient<T>(work: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ ...postgresServer, database: 'postgres', connectionTimeoutMillis: 5000 });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

export type TestDatabaseClient = 'sqlite' | 'postgres';

export interface TestDatabase {
  client: TestDatabaseClient;
  name: string;
  /** The DATABASE_* variables that point Strapi at this database. */
  env: Record<string, string>;
  drop(): Promise<void>;
}

/**
 * A fresh, empty database: a file under .tmp/<prefix> on SQLite, a new database on the local
 * PostgreSQL. `env` holds the DATABASE_* variables that point Strapi at it; `drop()` removes it.
 */
export async function createTestDatabase(client: TestDatabaseClient, { prefix = 'mr_test' } = {}): Promise<TestDatabase> {
  const name = `${prefix}_${process.pid}_${randomBytes(4).toString('hex')}`;
  if (client === 'sqlite') {
    const dir = path.resolve('.tmp', prefix.replace(/^mr_/, ''));
    fs.mkdirSync(dir, { recursive: true });
    const filename = path.join(dir, `${name}.db`);
    return {
      client,
      name,
      env: { DATABASE_CLIENT: 'sqlite', DATABASE_FILENAME: path.relative(process.cwd(), filename) },
      async drop() {
        for (const suffix of ['', '-wal', '-shm', '-journal']) fs.rmSync(filename + suffix, { force: true });
      },
    };
  }
  await withMaintenanceClient((pg) => pg.query(`CREATE DATABASE ${name}`));
  return {
    client,
    name,
    env: {
      DATABASE_CLIENT: 'postgres',
      DATABASE_HOST: postgresServer.host,
      DATABASE_PORT: String(postgresServer.port),
      DATABASE_USERNAME: postgresServer.user,
      DATABASE_PASSWORD: postgresServer.password,
      DATABASE_NAME: name,
    },
    drop: () =>
      withMaintenanceClient((pg) => pg.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)).then(() => undefined),
  };
}
