'use strict';

const fs = require('fs');
const path = require('path');
const { randomBytes } = require('crypto');
const { Client } = require('pg');

/** The PostgreSQL server that tests, the fault suite and benchmarks create their databases on. */
const postgresServer = {
  host: process.env.TEST_PG_HOST ?? '127.0.0.1',
  port: Number(process.env.TEST_PG_PORT ?? 5432),
  user: process.env.TEST_PG_USER ?? 'postgres',
  password: process.env.TEST_PG_PASSWORD ?? '',
};

async function withMaintenanceClient(work) {
  const client = new Client({ ...postgresServer, database: 'postgres', connectionTimeoutMillis: 5000 });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/**
 * A fresh, empty database: a file under .tmp/<prefix> on SQLite, a new database on the local
 * PostgreSQL. `env` holds the DATABASE_* variables that point Strapi at it; `drop()` removes it.
 */
async function createTestDatabase(client, { prefix = 'mr_test' } = {}) {
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

module.exports = { postgresServer, withMaintenanceClient, createTestDatabase };
