import { CitationFilter, filterCitations } from './citation-filter';

describe('filterCitations', () => {
  it('keeps citations in 1..n and removes the others', () => {
    expect(filterCitations('Bergen is wet [1]. Oslo is dry [4].', 3)).toBe('Bergen is wet [1]. Oslo is dry.');
    expect(filterCitations('See [0] and [3].', 3)).toBe('See and [3].');
  });

  it('rewrites lists to their valid numbers', () => {
    expect(filterCitations('Both [1, 9] and [2，3][7].', 3)).toBe('Both [1] and [2，3].');
  });

  it('leaves text without markers and non-numeric brackets alone', () => {
    expect(filterCitations('an array [a, b] and [] and [x1]', 2)).toBe('an array [a, b] and [] and [x1]');
  });

  it('removes every citation when no passage was given', () => {
    expect(filterCitations('nothing [1]', 0)).toBe('nothing');
  });
});

describe('CitationFilter (streaming)', () => {
  const run = (deltas: string[], n: number) => {
    const filter = new CitationFilter(n);
    const out = deltas.map((d) => filter.push(d));
    out.push(filter.flush());
    return out;
  };

  it('holds a marker split across deltas until it is complete', () => {
    const out = run(['Fjords are deep [', '1', '2] and long [', '2]', '.'], 3);
    expect(out.join('')).toBe('Fjords are deep and long [2].');
    expect(out[0]).toBe('Fjords are deep');
  });

  it('gives the same text as the whole-answer filter, however it is split', () => {
    const answer = 'A [1] b [5] c [2, 8] d [3][4] e [ 1 ] f [10';
    for (let size = 1; size <= 6; size++) {
      const deltas: string[] = [];
      for (let i = 0; i < answer.length; i += size) deltas.push(answer.slice(i, i + size));
      expect(run(deltas, 3).join('')).toBe(filterCitations(answer, 3));
    }
  });

  it('does not hold back a bracket that cannot be a marker', () => {
    const filter = new CitationFilter(2);
    expect(filter.push('list [a')).toBe('list [a');
  });
});
