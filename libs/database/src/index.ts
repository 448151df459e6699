export * from './db';
export * from './create-db';
export * from './migrator';
export * from './database.module';
export * from './pg-db';
export * from './pglite-db';
export * from './data-dir-lock';
export * from './pglite-thread-db';
