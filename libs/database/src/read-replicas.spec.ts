import { DatabaseError } from 'pg';
import { Db, QueryResult } from './db';
import { ReadReplicas, parseLsn, replicaUnavailable } from './read-replicas';

/** A database answering the router's probes from fields the test sets, and recording reads. */
class FakeServer {
  lsn = '0/1000';
  standby = true;
  failWith?: Error;
  reads: string[] = [];
  closed = false;

  constructor(private readonly name: string) {}

  async query<T extends object>(sql: string): Promise<QueryResult<T>> {
    if (this.failWith) throw this.failWith;
    if (sql.includes('pg_current_wal_insert_lsn')) return { rows: [{ lsn: this.lsn }] as T[], rowCount: 1 };
    if (sql.includes('pg_is_in_recovery')) return { rows: [{ standby: this.standby, replayed: this.standby ? this.lsn : null }] as T[], rowCount: 1 };
    this.reads.push(sql);
    return { rows: [{ server: this.name }] as T[], rowCount: 1 };
  }

  async transaction<T>(fn: (tx: { query: FakeServer['query']; exec: () => Promise<void> }) => Promise<T>): Promise<T> {
    if (this.failWith) throw this.failWith;
    return fn({ query: (sql: string) => this.query(sql), exec: async () => undefined });
  }

  connectionSetting(): string | undefined {
    return undefined;
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}

function sqlError(code: string, message = 'boom'): DatabaseError {
  const error = new DatabaseError(message, 0, 'error');
  error.code = code;
  return error;
}

function setup(replicaCount = 1, maxLagMs = 1_000) {
  const primary = new FakeServer('primary');
  const replicas = Array.from({ length: replicaCount }, (_, i) => new FakeServer(`replica-${i}`));
  const router = new ReadReplicas(
    primary as unknown as Db,
    replicas.map((db, i) => ({ name: `replica-${i}`, db })),
    { maxLagMs, checkIntervalMs: 100 },
  );
  const servedBy = async () => ((await router.query<{ server: string }>('SELECT 1')).rows[0].server);
  return { primary, replicas, router, servedBy };
}

describe('ReadReplicas', () => {
  afterEach(() => jest.useRealTimers());

  it('uses no replica before its first check, then sends reads to the healthy ones in turn', async () => {
    const { router, servedBy } = setup(2);
    expect(await servedBy()).toBe('primary');
    expect(router.status().map((s) => s.status)).toEqual(['down', 'down']);
    await router.check();
    expect(router.status().map((s) => s.status)).toEqual(['ok', 'ok']);
    expect([await servedBy(), await servedBy(), await servedBy(), await servedBy()].sort()).toEqual(['replica-0', 'replica-0', 'replica-1', 'replica-1']);
  });

  it('a replica that fails a read is skipped at once and the primary answers; a later check brings it back', async () => {
    const { router, replicas, servedBy } = setup(1);
    await router.check();
    replicas[0].failWith = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5499'), { code: 'ECONNREFUSED' });
    expect(await servedBy()).toBe('primary');
    expect(router.status()[0]).toMatchObject({ status: 'down', error: expect.stringContaining('ECONNREFUSED') });
    await router.check();
    expect(router.status()[0].status).toBe('down');
    replicas[0].failWith = undefined;
    await router.check();
    expect(await servedBy()).toBe('replica-0');
  });

  it('a transaction whose replica dies is run again on the primary', async () => {
    const { router, replicas } = setup(1);
    await router.check();
    replicas[0].failWith = sqlError('57P01', 'terminating connection due to administrator command');
    const served = await router.transaction(async (tx) => (await tx.query<{ server: string }>('SELECT 1')).rows[0].server);
    expect(served).toBe('primary');
  });

  it("a statement's own SQL error is the caller's, not a reason to skip the replica", async () => {
    const { router, replicas, primary } = setup(1);
    await router.check();
    replicas[0].failWith = sqlError('42703', 'column "nope" does not exist');
    await expect(router.query('SELECT nope')).rejects.toThrow('column "nope" does not exist');
    expect(primary.reads).toEqual([]);
    expect(router.status()[0].status).toBe('ok');
  });

  it('a recovery conflict is answered by the primary without marking the replica down', async () => {
    const { router, replicas, servedBy } = setup(1);
    await router.check();
    replicas[0].failWith = sqlError('40001', 'canceling statement due to conflict with recovery');
    expect(await servedBy()).toBe('primary');
    expect(router.status()[0].status).toBe('ok');
  });

  it('measures lag against the primary WAL samples: idle is never lag, unreplayed writes age past the bound', async () => {
    jest.useFakeTimers({ now: 1_000_000 });
    const { router, primary, replicas, servedBy } = setup(1, 1_000);
    await router.check();
    // An idle primary: nothing new to replay, however long it has been.
    jest.setSystemTime(1_000_000 + 60_000);
    await router.check();
    expect(router.status()[0]).toMatchObject({ status: 'ok', lagMs: 0 });
    // The primary writes; the replica does not replay.
    primary.lsn = '0/2000';
    await router.check(); // sample at t: the replica is behind it but by less than one interval
    expect(router.status()[0]).toMatchObject({ status: 'ok', lagMs: 0 });
    jest.setSystemTime(1_000_000 + 60_500);
    await router.check();
    expect(router.status()[0]).toMatchObject({ status: 'ok', lagMs: 500 });
    jest.setSystemTime(1_000_000 + 61_200);
    await router.check();
    expect(router.status()[0]).toMatchObject({ status: 'lagging', lagMs: 1_200 });
    expect(await servedBy()).toBe('primary');
    // Caught up.
    replicas[0].lsn = '0/2000';
    await router.check();
    expect(router.status()[0]).toMatchObject({ status: 'ok', lagMs: 0 });
    expect(await servedBy()).toBe('replica-0');
  });

  it('a promoted replica (no longer a standby) is not used', async () => {
    const { router, replicas, servedBy } = setup(1);
    replicas[0].standby = false;
    await router.check();
    expect(router.status()[0]).toMatchObject({ status: 'down', error: expect.stringContaining('not a streaming standby') });
    expect(await servedBy()).toBe('primary');
  });

  it('keeps the states it has while the primary cannot be asked for its position', async () => {
    const { router, primary } = setup(1);
    await router.check();
    primary.failWith = new Error('primary gone');
    await router.check();
    expect(router.status()[0].status).toBe('ok');
  });

  it('close stops checking and closes the replicas', async () => {
    const { router, replicas } = setup(2);
    router.start();
    await router.close();
    expect(replicas.every((r) => r.closed)).toBe(true);
  });
});

describe('parseLsn and replicaUnavailable', () => {
  it('orders WAL positions across the high word', () => {
    expect(parseLsn('1/0') > parseLsn('0/FFFFFFFF')).toBe(true);
    expect(parseLsn('16/B374D848')).toBe((0x16n << 32n) | 0xb374d848n);
    expect(() => parseLsn('nonsense')).toThrow(/not an LSN/);
  });

  it('tells a gone replica from a bad statement', () => {
    expect(replicaUnavailable(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }))).toBe(true);
    expect(replicaUnavailable(new Error('timeout exceeded when trying to connect'))).toBe(true);
    expect(replicaUnavailable(sqlError('57P03', 'the database system is starting up'))).toBe(true);
    expect(replicaUnavailable(sqlError('53300', 'too many connections'))).toBe(true);
    expect(replicaUnavailable(sqlError('08006'))).toBe(true);
    expect(replicaUnavailable(sqlError('42P01', 'relation does not exist'))).toBe(false);
    expect(replicaUnavailable(sqlError('25006', 'cannot execute INSERT in a read-only transaction'))).toBe(false);
  });
});
