/** The databases of the tests, shared with the fault suite and the benchmarks (scripts/lib/databases.ts). */
export {
  createTestDatabase,
  postgresServer,
  type TestDatabase,
  type TestDatabaseClient,
} from '../../scripts/lib/databases';
