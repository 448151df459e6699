export * from './db';
export * from './create-db';
export * from './migrator';
export * from './database.module';
export * from './pg-db';
export * from './pglite-db';
