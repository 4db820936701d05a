// better-sqlite3 ships no types (and @types/better-sqlite3 is not a dependency): what the tests use of it.
declare module 'better-sqlite3' {
  interface Statement {
    run(...params: unknown[]): { changes: number };
  }
  export default class Database {
    constructor(filename: string);
    pragma(statement: string): unknown;
    prepare(sql: string): Statement;
    close(): void;
  }
}
