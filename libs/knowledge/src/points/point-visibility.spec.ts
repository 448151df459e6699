import { PgliteDb } from '@fjord/database/pglite-db';
import { HIDDEN_FINGERPRINT_SQL, HiddenPointIds, notHiddenIdSql } from './point-visibility';

/**
 * The hidden-point ids that posting reads leave out, on a real (in-memory) PGlite with the two
 * tables they read: the remembered set must always equal a fresh read, whatever changed between
 * calls, and the SQL predicate must exclude exactly those ids.
 */
describe('hidden point ids', () => {
  let db: PgliteDb;

  beforeAll(async () => {
    db = await PgliteDb.open(undefined);
    await db.exec(`
      CREATE TABLE points (id bigint PRIMARY KEY, collection_id bigint NOT NULL, document_id bigint NOT NULL, version integer NOT NULL);
      CREATE TABLE hidden_point_versions (collection_id bigint NOT NULL, document_id bigint NOT NULL, version integer NOT NULL, PRIMARY KEY (document_id, version));
    `);
  }, 60_000);

  afterAll(() => db.close());

  beforeEach(async () => {
    await db.exec('DELETE FROM points; DELETE FROM hidden_point_versions;');
  });

  const addPoints = (ids: number[], documentId: number, version: number, collectionId = 1) =>
    db.query('INSERT INTO points (id, collection_id, document_id, version) SELECT unnest($1::bigint[]), $2, $3, $4', [ids, collectionId, documentId, version]);
  const hide = (documentId: number, version: number, collectionId = 1) =>
    db.query('INSERT INTO hidden_point_versions (collection_id, document_id, version) VALUES ($1, $2, $3)', [collectionId, documentId, version]);
  const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

  /** What a fresh tracker reads: the truth to compare the remembered set with. */
  const fresh = (collectionId = 1) => new HiddenPointIds().of(collectionId, db);

  it('is empty when nothing is hidden, and lists a staged version once it is', async () => {
    const hidden = new HiddenPointIds();
    await addPoints(range(1, 10), 1, 1);
    expect((await hidden.of(1, db)).ids).toEqual([]);
    await addPoints(range(11, 20), 2, 1);
    await hide(2, 1);
    expect((await hidden.of(1, db)).ids).toEqual(range(11, 20));
  });

  it('follows batches appended to a staged version, and a flip that publishes it', async () => {
    const hidden = new HiddenPointIds();
    await addPoints(range(1, 5), 1, 1);
    await hide(1, 2);
    await addPoints(range(6, 20), 1, 2);
    expect((await hidden.of(1, db)).ids).toEqual(range(6, 20));
    await addPoints(range(21, 40), 1, 2); // the next batch
    expect((await hidden.of(1, db)).ids).toEqual(range(6, 40));
    expect((await hidden.of(1, db)).ids).toEqual((await fresh()).ids);
    // The flip: the new version becomes visible and the old one stale.
    await db.query('DELETE FROM hidden_point_versions WHERE document_id = 1 AND version = 2');
    await hide(1, 1);
    expect((await hidden.of(1, db)).ids).toEqual(range(1, 5));
    await db.query('DELETE FROM points WHERE document_id = 1 AND version = 1');
    await db.query('DELETE FROM hidden_point_versions WHERE document_id = 1 AND version = 1');
    expect((await hidden.of(1, db)).ids).toEqual([]);
  });

  it('notices ids committed below the largest one it has seen (concurrent writers), and points deleted meanwhile', async () => {
    const hidden = new HiddenPointIds();
    await hide(1, 1);
    await hide(2, 1);
    await addPoints(range(100, 120), 1, 1);
    expect((await hidden.of(1, db)).ids).toEqual(range(100, 120));
    await addPoints(range(50, 60), 2, 1); // another writer's batch, committed later with lower ids
    expect((await hidden.of(1, db)).ids).toEqual([...range(50, 60), ...range(100, 120)]);
    // As many points deleted from one hidden version as were added to another below the largest id.
    await db.query('DELETE FROM points WHERE id BETWEEN 110 AND 112');
    await addPoints([61, 62, 63], 2, 1);
    expect((await hidden.of(1, db)).ids).toEqual((await fresh()).ids);
    expect((await hidden.of(1, db)).ids).toEqual([...range(50, 63), ...range(100, 109), ...range(113, 120)]);
  });

  it("carries the fingerprint a statement computes, which changes with every batch and flip", async () => {
    const hidden = new HiddenPointIds();
    const seen = async () => (await db.query<{ f: string }>(`SELECT ${HIDDEN_FINGERPRINT_SQL} AS f`, [1])).rows[0].f;
    const empty = await hidden.of(1, db);
    expect(empty.fingerprint).toBe(await seen());
    await hide(1, 1);
    await addPoints(range(1, 10), 1, 1);
    const staged = await hidden.of(1, db);
    expect(staged.fingerprint).toBe(await seen());
    expect(staged.fingerprint).not.toBe(empty.fingerprint);
    await addPoints(range(11, 12), 1, 1);
    expect(await seen()).not.toBe(staged.fingerprint);
    expect((await hidden.of(1, db)).fingerprint).toBe(await seen());
    await db.query('DELETE FROM hidden_point_versions');
    expect((await hidden.of(1, db)).fingerprint).toBe(empty.fingerprint);
  });

  it('keeps collections apart', async () => {
    const hidden = new HiddenPointIds();
    await addPoints(range(1, 10), 1, 1, 1);
    await addPoints(range(11, 20), 2, 1, 2);
    await hide(1, 1, 1);
    await hide(2, 1, 2);
    expect((await hidden.of(1, db)).ids).toEqual(range(1, 10));
    expect((await hidden.of(2, db)).ids).toEqual(range(11, 20));
    await addPoints([21], 2, 1, 2);
    expect((await hidden.of(1, db)).ids).toEqual(range(1, 10));
    expect((await hidden.of(2, db)).ids).toEqual(range(11, 21));
  });

  describe('notHiddenIdSql', () => {
    /** Which of `all` the predicate keeps, evaluated by the database. */
    async function kept(all: number[], hiddenIds: number[]): Promise<number[]> {
      const { rows } = await db.query<{ id: number }>(`SELECT x.id FROM unnest($1::bigint[]) AS x(id) WHERE ${notHiddenIdSql('x.id', hiddenIds)} ORDER BY x.id`, [all]);
      return rows.map((r) => Number(r.id));
    }

    it('is no predicate at all for an empty list', () => {
      expect(notHiddenIdSql('pt.point_id', [])).toBe('true');
    });

    it('writes long runs as ranges and lists the scattered rest', () => {
      const sql = notHiddenIdSql('pt.point_id', [3, 7, ...range(100, 29_586), 30_000]);
      expect(sql).toBe("NOT (pt.point_id BETWEEN 100 AND 29586 OR pt.point_id = ANY ('{3,7,30000}'::bigint[]))");
    });

    it('excludes exactly the hidden ids, with ranges, a list, both, or too many runs for ranges', async () => {
      const all = range(1, 3_000);
      const scattered = all.filter((id) => id % 97 === 0);
      const runs = range(0, 40).flatMap((r) => range(r * 70 + 1, r * 70 + 20)); // 41 runs of 20
      for (const hiddenIds of [range(200, 900), scattered, [...range(10, 40), ...scattered.filter((id) => id > 40)].sort((a, b) => a - b), runs]) {
        const hiddenSet = new Set(hiddenIds);
        expect(await kept(all, hiddenIds)).toEqual(all.filter((id) => !hiddenSet.has(id)));
      }
    });

    it('refuses anything but integer ids', () => {
      expect(() => notHiddenIdSql('pt.point_id', [1, Number.NaN])).toThrow(/not a point id/);
    });
  });
});
