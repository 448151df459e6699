import { Queue } from 'bullmq';
import IORedis from 'ioredis';
import { hasRedis } from './support/test-database';
import { CONTEXT_BACKENDS, Fjord, expireContext, startFjord } from './context-harness';

/**
 * The expiry sweep runs by itself: an interval timer in embedded mode, a BullMQ repeatable job
 * when REDIS_URL is set (Postgres backend here). Two API processes on one database sweep safely.
 */
describe.each(CONTEXT_BACKENDS)('context expiry sweep on %s', (backend) => {
  const apps: Fjord[] = [];
  afterAll(async () => {
    for (const app of apps.reverse()) await app.close();
  });

  it(`deletes expired contexts (and their history) on its own, via ${backend === 'postgres' && hasRedis ? 'BullMQ' : 'a timer'}`, async () => {
    const fjord = await startFjord(backend, { CONTEXT_SWEEP_INTERVAL_MS: '1000' });
    apps.push(fjord);
    const create = async () => (await fjord.post('/api/v3/context/create', { model: 'm', messages: [{ role: 'system', content: 'You know about fjords.' }] })).body.id as string;
    const [gone, kept] = [await create(), await create()];
    await fjord.post('/api/v3/context/chat/completions', { context_id: gone, model: 'm', messages: [{ role: 'user', content: 'fjords?' }] });
    await expireContext(fjord.db, gone);
    const count = async (sql: string) => (await fjord.db.query<{ n: number }>(sql, [gone])).rows[0].n;
    const deadline = Date.now() + 8000;
    while ((await count('SELECT count(*)::int AS n FROM contexts WHERE id = $1')) > 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(await count('SELECT count(*)::int AS n FROM contexts WHERE id = $1')).toBe(0);
    expect(await count('SELECT count(*)::int AS n FROM context_messages WHERE context_id = $1')).toBe(0);
    const { rows } = await fjord.db.query('SELECT id FROM contexts WHERE id = $1', [kept]);
    expect(rows).toHaveLength(1);
    if (backend === 'postgres' && hasRedis) {
      const connection = new IORedis(process.env.REDIS_URL as string, { maxRetriesPerRequest: null });
      const queue = new Queue('context-sweep', { connection, prefix: fjord.config.redis.queuePrefix });
      try {
        const schedulers = await queue.getJobSchedulers();
        expect(schedulers.map((s) => s.key)).toContain('sweep-expired-contexts');
        expect(schedulers[0].every).toBe(1000);
      } finally {
        await queue.close();
        await connection.quit();
      }
    }
  });
});
