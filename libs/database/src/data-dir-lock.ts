import { closeSync, mkdirSync, openSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

/**
 * One owner per embedded data directory. PGlite keeps its own copy of the database in memory and
 * writes it back, so two processes on one directory silently lose each other's writes.
 *
 * The lock is a file created with O_EXCL holding the owner's pid, port and process start time. It
 * is removed on close and on process exit; after a crash or `kill -9` it is left behind, and the
 * next start takes it over because its pid no longer runs (or runs a different, later process:
 * the start time tells a reused pid apart).
 */
export const LOCK_FILE_NAME = 'fjord.lock';

export interface LockOwner {
  pid: number;
  /** The HTTP port the owner listens on, when it serves HTTP. */
  port?: number;
  /** Linux: the process start time in clock ticks since boot (/proc/<pid>/stat field 22). */
  startTicks?: number;
  startedAt: string;
}

export class DataDirLockedError extends Error {
  constructor(
    readonly dataDir: string,
    readonly owner: LockOwner,
  ) {
    const where = owner.port !== undefined ? `pid ${owner.pid}, port ${owner.port}` : `pid ${owner.pid}`;
    super(`DATA_DIR ${dataDir} is in use by another fjord process (${where}); stop it, or give this one another DATA_DIR or a DATABASE_URL`);
    this.name = 'DataDirLockedError';
  }
}

/** Locks this process holds, by resolved directory: main.ts and the Db may both ask for one. */
const held = new Map<string, DataDirLock>();

export class DataDirLock {
  private released = false;
  private holders = 1;
  private readonly onExit = () => this.forceRelease();

  private constructor(
    readonly path: string,
    private owner: LockOwner,
  ) {
    process.once('exit', this.onExit);
  }

  /** Takes the lock or throws DataDirLockedError naming the running owner. */
  static acquire(dataDir: string, port?: number): DataDirLock {
    const dir = resolve(dataDir);
    const mine = held.get(dir);
    if (mine) {
      mine.holders++;
      if (port !== undefined && mine.owner.port === undefined) mine.setPort(port);
      return mine;
    }
    mkdirSync(dir, { recursive: true });
    const path = join(dir, LOCK_FILE_NAME);
    const owner: LockOwner = { pid: process.pid, port, startTicks: startTicks(process.pid), startedAt: new Date().toISOString() };
    // Two attempts: the second follows the removal of a stale lock.
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        const fd = openSync(path, 'wx', 0o600);
        try {
          writeFileSync(fd, JSON.stringify(owner));
        } finally {
          closeSync(fd);
        }
        const lock = new DataDirLock(path, owner);
        held.set(dir, lock);
        return lock;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
      const holder = readOwner(path);
      if (holder && isRunning(holder)) throw new DataDirLockedError(dir, holder);
      removeStale(path, holder);
    }
    const holder = readOwner(path);
    throw new DataDirLockedError(dir, holder ?? { pid: -1, startedAt: '' });
  }

  /** Records the port once the server listens (PORT=0 picks one at listen time). */
  setPort(port: number): void {
    if (this.released || this.owner.port === port) return;
    this.owner = { ...this.owner, port };
    const temporary = `${this.path}.${process.pid}.tmp`;
    writeFileSync(temporary, JSON.stringify(this.owner), { mode: 0o600 });
    renameSync(temporary, this.path);
  }

  /** Each acquire is matched by one release; the file goes with the last. */
  release(): void {
    if (--this.holders <= 0) this.forceRelease();
  }

  private forceRelease(): void {
    if (this.released) return;
    this.released = true;
    held.delete(dirname(this.path));
    process.removeListener('exit', this.onExit);
    // Only remove a lock that is still ours (a stale-lock takeover by another process replaces it).
    if (readOwner(this.path)?.pid === this.owner.pid) {
      try {
        unlinkSync(this.path);
      } catch {
        /* already gone */
      }
    }
  }
}

function readOwner(path: string): LockOwner | undefined {
  try {
    const parsed = JSON.parse(readFileSync(path, 'utf8')) as Partial<LockOwner>;
    return typeof parsed.pid === 'number' ? (parsed as LockOwner) : undefined;
  } catch {
    // Missing, or half-written by a process killed between create and write: treat as stale.
    return undefined;
  }
}

function isRunning(owner: LockOwner): boolean {
  if (owner.pid === process.pid) return true;
  try {
    process.kill(owner.pid, 0);
  } catch (error) {
    // EPERM: the pid exists but belongs to another user, so it runs.
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  const ticks = startTicks(owner.pid);
  return owner.startTicks === undefined || ticks === undefined || ticks === owner.startTicks;
}

/** A stale lock is renamed away first, so two processes recovering at once cannot both win. */
function removeStale(path: string, seen: LockOwner | undefined): void {
  const claimed = `${path}.stale.${process.pid}`;
  try {
    renameSync(path, claimed);
  } catch {
    return; // another process removed it first
  }
  const moved = readOwner(claimed);
  if (seen && moved && moved.pid !== seen.pid) {
    // It changed between our read and the rename: a live process just took it; put it back.
    renameSync(claimed, path);
    return;
  }
  unlinkSync(claimed);
}

function startTicks(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may contain spaces and parentheses: fields resume after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const value = Number(fields[19]);
    return Number.isFinite(value) ? value : undefined;
  } catch {
    return undefined;
  }
}
