import { splitMarkdownSections } from './markdown-sections';

const view = (markdown: string): { path: string; topId: number; body: string }[] =>
  splitMarkdownSections(markdown).map((section) => ({
    path: section.headings.map((heading) => `${heading.level}:${heading.text}`).join(' / '),
    topId: section.topId,
    body: section.body,
  }));

describe('splitMarkdownSections', () => {
  it('tracks the heading path and the top-level section', () => {
    const markdown = 'Preamble.\n\n# Install\nIntro.\n## Linux\nApt.\n### Arm\nArm notes.\n## macOS\nBrew.\n# Usage\nRun it.';
    expect(view(markdown)).toEqual([
      { path: '', topId: 0, body: 'Preamble.' },
      { path: '1:Install', topId: 1, body: 'Intro.' },
      { path: '1:Install / 2:Linux', topId: 1, body: 'Apt.' },
      { path: '1:Install / 2:Linux / 3:Arm', topId: 1, body: 'Arm notes.' },
      { path: '1:Install / 2:macOS', topId: 1, body: 'Brew.' },
      { path: '1:Usage', topId: 2, body: 'Run it.' },
    ]);
  });

  it('ignores # lines inside fenced code', () => {
    const markdown = '# Script\n```bash\n# install deps\nnpm ci\n```\n~~~\n## still code\n~~~\nAfter.';
    expect(view(markdown)).toEqual([{ path: '1:Script', topId: 1, body: '```bash\n# install deps\nnpm ci\n```\n~~~\n## still code\n~~~\nAfter.' }]);
  });

  it('reads single-line setext headings but not rules or list items', () => {
    const markdown = 'Guide\n=====\nText.\n\nPart two\n--------\nMore.\n\n- item\n---\n\nLast paragraph\n\n---\nEnd.';
    expect(view(markdown).map((section) => section.path)).toEqual(['1:Guide', '1:Guide / 2:Part two']);
    expect(view(markdown)[1].body).toBe('More.\n\n- item\n---\n\nLast paragraph\n\n---\nEnd.');
  });

  it('does not take hashtags or unspaced # as headings', () => {
    expect(view('#hashtag and #2\n####### seven')).toEqual([{ path: '', topId: 0, body: '#hashtag and #2\n####### seven' }]);
  });

  it('cleans inline Markdown out of heading text', () => {
    expect(view('## **Install** the `fjord` [CLI](https://x.dev) ##\nBody')[0].path).toBe('2:Install the fjord CLI');
  });

  it('drops a heading that only introduces sub-headings, but keeps a trailing empty heading as text', () => {
    expect(view('# Guide\n## Setup\nDo it.\n## Appendix')).toEqual([
      { path: '1:Guide / 2:Setup', topId: 1, body: 'Do it.' },
      { path: '1:Guide / 2:Appendix', topId: 1, body: 'Appendix' },
    ]);
  });
});
