import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Db } from './db';

/** Any constant works; both processes starting together must pick the same one. */
const MIGRATION_LOCK_KEY = 727_001;
const FILE_PATTERN = /^(\d{14})_[a-z0-9_]+\.sql$/;

export interface MigrationFile {
  version: string;
  name: string;
  sql: string;
}

/** migrations/ sits at the project root; walk up so this works from src/ (ts) and dist/ (js). */
export function findMigrationsDir(start: string = __dirname): string {
  for (let dir = start; ; dir = dirname(dir)) {
    const candidate = join(dir, 'migrations');
    if (existsSync(join(dir, 'package.json')) && existsSync(candidate)) return candidate;
    if (dirname(dir) === dir) throw new Error(`no migrations/ directory above ${start}`);
  }
}

export function readMigrations(dir: string = findMigrationsDir()): MigrationFile[] {
  return readdirSync(dir)
    .filter((name) => name.endsWith('.sql'))
    .sort()
    .map((name) => {
      const match = FILE_PATTERN.exec(name);
      if (!match) throw new Error(`migration file name must be <yyyyMMddHHmmss>_<snake_name>.sql: ${name}`);
      return { version: match[1], name, sql: readFileSync(join(dir, name), 'utf8') };
    });
}

/**
 * Applies pending forward-only migrations in one transaction under an advisory lock, so two
 * processes starting together apply each migration exactly once (the second waits, then finds
 * nothing to do). Returns the names applied.
 */
export async function migrate(db: Db, migrations: MigrationFile[] = readMigrations()): Promise<string[]> {
  return db.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK_KEY]);
    await tx.query(
      `CREATE TABLE IF NOT EXISTS schema_migrations (
         version text PRIMARY KEY,
         name text NOT NULL,
         applied_at timestamptz NOT NULL DEFAULT now()
       )`,
    );
    const applied = new Set(
      (await tx.query<{ version: string }>('SELECT version FROM schema_migrations')).rows.map((r) => r.version),
    );
    const done: string[] = [];
    for (const migration of migrations) {
      if (applied.has(migration.version)) continue;
      await tx.exec(migration.sql);
      await tx.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [migration.version, migration.name]);
      done.push(migration.name);
    }
    return done;
  });
}
