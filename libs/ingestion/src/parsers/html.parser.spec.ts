import { parseDocument } from './document-parser';

const paragraph = (topic: string): string =>
  `<p>${topic} is explained here in enough detail that a reader can follow every step of the procedure, ` +
  `including the edge cases, the defaults, and what to do when something goes wrong along the way.</p>`;

async function markdownOf(html: string): Promise<{ title?: string; markdown: string }> {
  const doc = await parseDocument(Buffer.from(html), 'html');
  if (doc.kind !== 'text') throw new Error('expected text');
  return doc;
}

describe('HTML parser', () => {
  it('keeps the article of a page and drops navigation and footer', async () => {
    const html = `<!DOCTYPE html><html><head><title>Backups | Fjord Docs</title><style>p{color:red}</style></head>
      <body>
        <nav><a href="/">Home</a> <a href="/pricing">Pricing</a> <a href="/blog">Blog</a></nav>
        <article>
          <h1>Backups</h1>
          ${paragraph('Taking a snapshot')}
          <h2>Restoring</h2>
          ${paragraph('Restoring a snapshot')}
          ${paragraph('Verifying a restore')}
        </article>
        <footer>Copyright 2025 Fjord Inc. All rights reserved.</footer>
        <script>trackVisit()</script>
      </body></html>`;
    const doc = await markdownOf(html);
    expect(doc.title).toBe('Backups | Fjord Docs');
    expect(doc.markdown).toMatch(/^# Backups\n\nTaking a snapshot/);
    expect(doc.markdown).toMatch(/^## Restoring$/m);
    expect(doc.markdown).toContain('Taking a snapshot is explained');
    expect(doc.markdown).toContain('Verifying a restore is explained');
    expect(doc.markdown).not.toContain('Pricing');
    expect(doc.markdown).not.toContain('Copyright');
    expect(doc.markdown).not.toContain('trackVisit');
    expect(doc.markdown).not.toContain('color:red');
  });

  it('drops nav, footer and cookie banners from a page that is not an article', async () => {
    const html = `<html><body>
      <nav><a href="/">Home</a> <a href="/docs">Docs</a></nav>
      <div class="cookie-banner">We use cookies to improve your experience. Accept all</div>
      <div id="gdpr-consent">Manage consent preferences</div>
      <h1>Restart policy</h1><p>Restart the worker after each upgrade.</p>
      <footer>Copyright 2026 ACME. Privacy. Terms.</footer>
    </body></html>`;
    const doc = await parseDocument(Buffer.from(html), 'html');
    expect(doc.kind === 'text' && doc.markdown).toBe('# Restart policy\n\nRestart the worker after each upgrade.');
  });

  it('reads HTML nested deeper than any DOM library recurses, as text', async () => {
    const html = `<html><body><p>Intro &amp; more</p>${'<div>'.repeat(5000)}deep sentence${'</div>'.repeat(5000)}</body></html>`;
    const doc = await parseDocument(Buffer.from(html), 'html');
    expect(doc.kind === 'text' && doc.markdown).toBe('Intro & more\n\ndeep sentence');
  });

  it('keeps the whole body of a short page, with headings, lists, code and links', async () => {
    const html = `<html><head><title>FAQ</title></head><body>
      <h1>FAQ</h1><h2>Which ports?</h2><ul><li>HTTP: 8080</li><li>Metrics: 9100</li></ul>
      <pre><code>fjord serve --port 8080</code></pre>
      <p>See <a href="https://example.com/ports">the port list</a> or <a href="/local">this page</a>.</p>
      </body></html>`;
    const doc = await markdownOf(html);
    expect(doc.markdown).toBe(
      '# FAQ\n\n## Which ports?\n\n- HTTP: 8080\n- Metrics: 9100\n\n```\nfjord serve --port 8080\n```\n\n' +
        'See [the port list](https://example.com/ports) or this page.',
    );
  });

  it('takes the title from the first h1 when there is no <title>, and accepts fragments', async () => {
    const doc = await markdownOf('<h1>Release notes</h1><p>Version 2 adds search.</p>');
    expect(doc).toEqual({ kind: 'text', title: 'Release notes', markdown: '# Release notes\n\nVersion 2 adds search.' });
  });

  it('converts tables to Markdown pipe tables', async () => {
    const doc = await markdownOf(
      '<table><thead><tr><th>Plan</th><th>Price</th></tr></thead><tbody><tr><td>Basic</td><td>10</td></tr><tr><td>Pro</td><td>20</td></tr></tbody></table>',
    );
    expect(doc.markdown).toBe('| Plan | Price |\n| --- | --- |\n| Basic | 10 |\n| Pro | 20 |');
  });

  it('replaces images by their alt text and never inlines data URIs', async () => {
    const doc = await markdownOf('<p>Architecture: <img alt="diagram of the worker" src="data:image/png;base64,iVBORw0KGgo="></p>');
    expect(doc.markdown).toBe('Architecture: diagram of the worker');
  });

  it('does not let a paragraph starting with # become a heading', async () => {
    const doc = await markdownOf('<p># not a heading</p>');
    expect(doc.markdown).toBe('\\# not a heading');
  });

  it('decodes a GBK page declared with <meta charset>', async () => {
    const ascii = (text: string): Buffer => Buffer.from(text, 'latin1');
    const html = Buffer.concat([
      ascii('<html><head><meta charset="gbk"><title>'),
      Buffer.from('d6aacab6bfe2', 'hex'), // 知识库
      ascii('</title></head><body><p>'),
      Buffer.from('d6d0cec4c4dac8dd', 'hex'), // 中文内容
      ascii('</p></body></html>'),
    ]);
    expect(await parseDocument(html, 'html')).toEqual({ kind: 'text', title: '知识库', markdown: '中文内容' });
  });
});
