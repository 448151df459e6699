import { parseDocument } from './document-parser';

async function table(csv: string | Buffer): Promise<{ header: string[]; rows: string[][] }> {
  const doc = await parseDocument(typeof csv === 'string' ? Buffer.from(csv) : csv, 'csv');
  if (doc.kind !== 'table') throw new Error('expected a table');
  return { header: doc.header, rows: doc.rows };
}

describe('CSV parser', () => {
  it('uses a text first row over numeric columns as the header', async () => {
    expect(await table('product,price,stock\nwidget,9.99,120\ngadget,19.50,7\n')).toEqual({
      header: ['product', 'price', 'stock'],
      rows: [
        ['widget', '9.99', '120'],
        ['gadget', '19.50', '7'],
      ],
    });
  });

  it('uses distinct text cells as the header when no column is numeric', async () => {
    const { header, rows } = await table('name,city\nAda,London\nLin,Shanghai');
    expect(header).toEqual(['name', 'city']);
    expect(rows).toHaveLength(2);
  });

  it('names the columns when the first row is data', async () => {
    expect(await table('1,2.5,3\n4,5.5,6')).toEqual({
      header: ['column_1', 'column_2', 'column_3'],
      rows: [
        ['1', '2.5', '3'],
        ['4', '5.5', '6'],
      ],
    });
    // Repeated values in the first row cannot be column names either.
    expect((await table('yes,yes\nno,yes')).header).toEqual(['column_1', 'column_2']);
  });

  it('handles quoted commas, quotes and newlines', async () => {
    const { rows } = await table('question,answer\n"How, exactly?","Say ""hi"",\nthen wait"');
    expect(rows).toEqual([['How, exactly?', 'Say "hi",\nthen wait']]);
  });

  it('detects tab-separated files', async () => {
    expect(await table('key\tvalue\nalpha\t1\nbeta\t2')).toEqual({
      header: ['key', 'value'],
      rows: [
        ['alpha', '1'],
        ['beta', '2'],
      ],
    });
  });

  it('pads short rows and names extra columns', async () => {
    expect(await table('a,b\n1,2,3\n4')).toEqual({
      header: ['a', 'b', 'column_3'],
      rows: [
        ['1', '2', '3'],
        ['4', '', ''],
      ],
    });
  });

  it('reads a GB18030 (Excel on Chinese Windows) export', async () => {
    // "名称,价格\n苹果,5" in GBK: Excel's default CSV encoding on Chinese Windows.
    const bytes = Buffer.concat([
      Buffer.from('c3fbb3c62cbcdbb8f10a', 'hex'),
      Buffer.from('c6bbb9fb2c35', 'hex'),
    ]);
    expect(await table(bytes)).toEqual({ header: ['名称', '价格'], rows: [['苹果', '5']] });
  });

  it('keeps a header-only file as a table without rows', async () => {
    expect(await table('title,author\n')).toEqual({ header: ['title', 'author'], rows: [] });
  });

  it('reads 200,000 rows (a spread into Math.max overflowed the stack from ~130k)', async () => {
    const csv = `id,name\n${Array.from({ length: 200_000 }, (_, i) => `${i},row ${i}`).join('\n')}`;
    const parsed = await table(csv);
    expect(parsed.header).toEqual(['id', 'name']);
    expect(parsed.rows).toHaveLength(200_000);
    expect(parsed.rows[199_999]).toEqual(['199999', 'row 199999']);
  });
});
