import { linesFromTsv, tesseractCliLanguages } from './tesseract-cli.backend';

const header = 'level\tpage_num\tblock_num\tpar_num\tline_num\tword_num\tleft\ttop\twidth\theight\tconf\ttext';
const row = (block: number, line: number, word: number, left: number, top: number, conf: number, text: string, level = 5) =>
  [level, 1, block, 1, line, word, left, top, 40, 20, conf, text].join('\t');

describe('tesseract TSV output', () => {
  it('groups words into lines and lines into blocks, with the union of the word boxes and their mean confidence', () => {
    const tsv = [
      header,
      row(1, 1, 0, 10, 10, -1, '', 4),
      row(1, 1, 1, 10, 10, 90, 'The'),
      row(1, 1, 2, 60, 12, 80, 'storage'),
      row(1, 2, 1, 10, 40, 70, 'cluster'),
      row(2, 1, 1, 600, 10, 96, '存储'),
      row(2, 1, 2, 650, 10, 94, '集群'),
      row(2, 1, 3, 700, 10, -1, ' '),
    ].join('\n');
    const blocks = linesFromTsv(tsv);
    expect(blocks).toHaveLength(2);
    expect(blocks[0]).toEqual([
      { text: 'The storage', bbox: { x0: 10, y0: 10, x1: 100, y1: 32 }, confidence: 0.85 },
      { text: 'cluster', bbox: { x0: 10, y0: 40, x1: 50, y1: 60 }, confidence: 0.7 },
    ]);
    expect(blocks[1].map((line) => line.text)).toEqual(['存储 集群']);
  });

  it('reads nothing from an empty page', () => {
    expect(linesFromTsv(`${header}\n${row(1, 1, 0, 0, 0, -1, '', 1)}\n`)).toEqual([]);
  });

  it('reports a missing tesseract program as no languages at all', async () => {
    await expect(tesseractCliLanguages('/nonexistent/tesseract')).resolves.toBeUndefined();
  });
});
