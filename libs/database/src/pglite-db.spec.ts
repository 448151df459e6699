import { PgliteDb } from './pglite-db';

/** bytea goes through fjord's own codec (Buffer's hex) rather than PGlite's: it must round-trip every byte. */
describe('PgliteDb bytea', () => {
  let db: PgliteDb;

  beforeAll(async () => {
    db = await PgliteDb.open(undefined);
    await db.exec('CREATE TABLE blobs (id int PRIMARY KEY, content bytea NOT NULL)');
  }, 60_000);

  afterAll(() => db.close());

  const everyByte = Buffer.from(Array.from({ length: 512 }, (_, i) => i % 256));

  it('stores and reads back every byte value, whole and as a substring', async () => {
    await db.query('INSERT INTO blobs (id, content) VALUES ($1, $2)', [1, everyByte]);
    const whole = await db.query<{ content: Uint8Array; size: number }>('SELECT content, length(content) AS size FROM blobs WHERE id = 1');
    expect(whole.rows[0].size).toBe(512);
    expect(Buffer.from(whole.rows[0].content).equals(everyByte)).toBe(true);
    const slice = await db.query<{ part: Uint8Array }>('SELECT substring(content FROM $1::int FOR $2::int) AS part FROM blobs WHERE id = 1', [255, 4]);
    expect([...slice.rows[0].part]).toEqual([254, 255, 0, 1]);
  });

  it('accepts a Buffer that is a view into a larger one, and an empty one', async () => {
    const pool = Buffer.concat([Buffer.from('prefix'), everyByte, Buffer.from('suffix')]);
    const view = pool.subarray(6, 6 + 512);
    await db.query('INSERT INTO blobs (id, content) VALUES ($1, $2), ($3, $4)', [2, view, 3, Buffer.alloc(0)]);
    const { rows } = await db.query<{ id: number; content: Uint8Array }>('SELECT id, content FROM blobs WHERE id IN (2, 3) ORDER BY id');
    expect(Buffer.from(rows[0].content).equals(everyByte)).toBe(true);
    expect(rows[1].content.length).toBe(0);
  });

  it('refuses a value that is not bytes', async () => {
    await expect(db.query('INSERT INTO blobs (id, content) VALUES ($1, $2)', [4, 'not bytes'])).rejects.toThrow(/bytea/);
  });
});
