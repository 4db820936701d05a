import fs from 'fs';
import path from 'path';
import { randomBytes } from 'crypto';
import { Client } from 'pg';

export type TestDatabaseClient = 'sqlite' | 'postgres';

export interface TestDatabase {
  client: TestDatabaseClient;
  /** The DATABASE_* variables that point Strapi at this database. */
  env: Record<string, string>;
  drop(): Promise<void>;
}

export const postgresServer = {
  host: process.env.TEST_PG_HOST ?? '127.0.0.1',
  port: Number(process.env.TEST_PG_PORT ?? 5432),
  user: process.env.TEST_PG_USER ?? 'postgres',
  password: process.env.TEST_PG_PASSWORD ?? '',
};

const uniqueName = () => `mr_test_${process.pid}_${randomBytes(4).toString('hex')}`;

async function withMaintenanceClient<T>(work: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ ...postgresServer, database: 'postgres', connectionTimeoutMillis: 5000 });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** A fresh, empty database: a file under .tmp/test on SQLite, a new database on the local PostgreSQL. */
export async function createTestDatabase(client: TestDatabaseClient): Promise<TestDatabase> {
  const name = uniqueName();
  if (client === 'sqlite') {
    const dir = path.resolve('.tmp', 'test');
    fs.mkdirSync(dir, { recursive: true });
    const filename = path.join(dir, `${name}.db`);
    return {
      client,
      env: { DATABASE_CLIENT: 'sqlite', DATABASE_FILENAME: path.relative(process.cwd(), filename) },
      async drop() {
        for (const suffix of ['', '-wal', '-shm', '-journal']) fs.rmSync(filename + suffix, { force: true });
      },
    };
  }
  await withMaintenanceClient((pg) => pg.query(`CREATE DATABASE ${name}`));
  return {
    client,
    env: {
      DATABASE_CLIENT: 'postgres',
      DATABASE_HOST: postgresServer.host,
      DATABASE_PORT: String(postgresServer.port),
      DATABASE_USERNAME: postgresServer.user,
      DATABASE_PASSWORD: postgresServer.password,
      DATABASE_NAME: name,
    },
    drop: () => withMaintenanceClient((pg) => pg.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)).then(() => undefined),
  };
}
