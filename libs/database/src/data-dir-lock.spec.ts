import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataDirLock, DataDirLockedError, LOCK_FILE_NAME } from './data-dir-lock';

describe('DataDirLock', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'fjord-lock-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const lockFile = () => join(dir, LOCK_FILE_NAME);

  it('writes the owner and removes the file on the last release', () => {
    const lock = DataDirLock.acquire(dir, 3000);
    const again = DataDirLock.acquire(dir);
    expect(again).toBe(lock);
    expect(JSON.parse(readFileSync(lockFile(), 'utf8'))).toMatchObject({ pid: process.pid, port: 3000 });
    lock.setPort(4321);
    expect(JSON.parse(readFileSync(lockFile(), 'utf8')).port).toBe(4321);
    again.release();
    expect(existsSync(lockFile())).toBe(true);
    lock.release();
    expect(existsSync(lockFile())).toBe(false);
  });

  it('refuses while another live process holds it, naming its pid and port', async () => {
    const holder = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { stdio: 'ignore' });
    try {
      writeFileSync(lockFile(), JSON.stringify({ pid: holder.pid, port: 3100, startedAt: new Date().toISOString() }));
      expect(() => DataDirLock.acquire(dir)).toThrow(DataDirLockedError);
      expect(() => DataDirLock.acquire(dir)).toThrow(`(pid ${holder.pid}, port 3100)`);
      expect(JSON.parse(readFileSync(lockFile(), 'utf8')).pid).toBe(holder.pid);
    } finally {
      holder.kill('SIGKILL');
    }
  });

  it('takes over the lock of a process that no longer runs (crash, kill -9)', () => {
    const dead = spawnSync(process.execPath, ['-e', 'console.log(process.pid)'], { encoding: 'utf8' });
    writeFileSync(lockFile(), JSON.stringify({ pid: Number(dead.stdout.trim()), port: 3200, startedAt: '2026-01-01T00:00:00Z' }));
    const lock = DataDirLock.acquire(dir, 3300);
    expect(JSON.parse(readFileSync(lockFile(), 'utf8'))).toMatchObject({ pid: process.pid, port: 3300 });
    lock.release();
  });

  it('takes over a lock whose pid was reused by a later process', () => {
    // Our own parent runs, but started at another time than the recorded one.
    writeFileSync(lockFile(), JSON.stringify({ pid: process.ppid, startTicks: 1, startedAt: '2026-01-01T00:00:00Z' }));
    const lock = DataDirLock.acquire(dir);
    expect(JSON.parse(readFileSync(lockFile(), 'utf8')).pid).toBe(process.pid);
    lock.release();
  });

  it('takes over a half-written lock file', () => {
    writeFileSync(lockFile(), '');
    const lock = DataDirLock.acquire(dir);
    expect(JSON.parse(readFileSync(lockFile(), 'utf8')).pid).toBe(process.pid);
    lock.release();
  });
});
