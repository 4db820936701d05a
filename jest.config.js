/**
 * Every suite runs twice: once on SQLite and once on PostgreSQL (a project per database), each test
 * file against its own real Strapi instance and its own fresh database. `npm test` picks the projects.
 */
const base = {
  testEnvironment: 'node',
  transform: {
    '^.+\\.(t|j)sx?$': [
      '@swc/jest',
      { jsc: { parser: { syntax: 'typescript', tsx: true }, target: 'es2022' }, module: { type: 'commonjs' } },
    ],
  },
  testMatch: ['<rootDir>/tests/api/**/*.test.ts'],
  // dist/ holds a compiled copy of the plugin's package.json, which jest-haste-map would see twice.
  modulePathIgnorePatterns: ['<rootDir>/dist/', '<rootDir>/.tmp/'],
};

module.exports = {
  // Booting a Strapi instance takes seconds; its hooks and tests share this limit.
  testTimeout: 120_000,
  globalSetup: '<rootDir>/tests/setup/compile.js',
  projects: [
    // Pure modules, no Strapi and no database: the first layer `npm test` runs.
    { ...base, displayName: 'unit', testMatch: ['<rootDir>/tests/unit/**/*.test.ts'] },
    { ...base, displayName: 'sqlite', setupFiles: ['<rootDir>/tests/setup/sqlite.js'] },
    { ...base, displayName: 'postgres', setupFiles: ['<rootDir>/tests/setup/postgres.js'] },
  ],
};
