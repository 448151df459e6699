import JSZip from 'jszip';
import { PermanentError } from '@fjord/common';
import { FailedCode } from '../failed-code';
import { parseDocument } from './document-parser';

type Block = { style?: string; text: string } | { table: string[][] };

const W = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"';

/** A minimal but valid .docx (jszip comes with mammoth): document, styles and relationships. */
async function buildDocx(blocks: Block[]): Promise<Buffer> {
  const escape = (text: string): string => text.replace(/&/g, '&amp;').replace(/</g, '&lt;');
  const paragraph = (text: string, style?: string): string =>
    `<w:p>${style ? `<w:pPr><w:pStyle w:val="${style}"/></w:pPr>` : ''}<w:r><w:t xml:space="preserve">${escape(text)}</w:t></w:r></w:p>`;
  const body = blocks
    .map((block) =>
      'table' in block
        ? `<w:tbl>${block.table.map((row) => `<w:tr>${row.map((cell) => `<w:tc>${paragraph(cell)}</w:tc>`).join('')}</w:tr>`).join('')}</w:tbl>`
        : paragraph(block.text, block.style),
    )
    .join('');
  const style = (id: string, name: string): string =>
    `<w:style w:type="paragraph" w:styleId="${id}"><w:name w:val="${name}"/></w:style>`;

  const zip = new JSZip();
  zip.file(
    '[Content_Types].xml',
    '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">' +
      '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>' +
      '<Default Extension="xml" ContentType="application/xml"/>' +
      '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>' +
      '<Override PartName="/word/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.styles+xml"/></Types>',
  );
  zip.file(
    '_rels/.rels',
    '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">' +
      '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>',
  );
  zip.file(
    'word/_rels/document.xml.rels',
    '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">' +
      '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/></Relationships>',
  );
  zip.file(
    'word/styles.xml',
    `<?xml version="1.0" encoding="UTF-8"?><w:styles ${W}>${style('Title', 'Title')}${style('Heading1', 'heading 1')}` +
      `${style('Heading2', 'heading 2')}${style('a1', '标题 1')}</w:styles>`,
  );
  zip.file('word/document.xml', `<?xml version="1.0" encoding="UTF-8"?><w:document ${W}><w:body>${body}</w:body></w:document>`);
  return zip.generateAsync({ type: 'nodebuffer' });
}

async function failure(bytes: Buffer): Promise<PermanentError> {
  const error = await parseDocument(bytes, 'docx').then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(PermanentError);
  return error as PermanentError;
}

describe('DOCX parser', () => {
  it('turns Word heading styles into Markdown headings', async () => {
    const docx = await buildDocx([
      { style: 'Title', text: 'Fjord Manual' },
      { text: 'Read this first.' },
      { style: 'Heading1', text: 'Install' },
      { text: 'Download the binary.' },
      { style: 'Heading2', text: 'Linux' },
      { text: 'Use the tarball.' },
    ]);
    const doc = await parseDocument(docx, 'docx');
    expect(doc).toEqual({
      kind: 'text',
      title: 'Fjord Manual',
      markdown: '# Fjord Manual\n\nRead this first.\n\n# Install\n\nDownload the binary.\n\n## Linux\n\nUse the tarball.',
    });
  });

  it('keeps Chinese text and maps the localised heading style 标题 1', async () => {
    const docx = await buildDocx([
      { style: 'a1', text: '安装指南' },
      { text: '请先下载安装包，然后运行安装程序。' },
    ]);
    const doc = await parseDocument(docx, 'docx');
    expect(doc.kind === 'text' && doc.markdown).toBe('# 安装指南\n\n请先下载安装包，然后运行安装程序。');
  });

  it('renders tables as Markdown pipe tables', async () => {
    const docx = await buildDocx([{ table: [['Plan', 'Price'], ['Basic', '10 | 20']] }]);
    const doc = await parseDocument(docx, 'docx');
    expect(doc.kind === 'text' && doc.markdown).toBe('| Plan | Price |\n| --- | --- |\n| Basic | 10 \\| 20 |');
  });

  it('reports bytes that are not a zip as corrupt, with the reason', async () => {
    const error = await failure(Buffer.from('this is not a word document'));
    expect(error.failedCode).toBe(FailedCode.Corrupt);
    expect(error.message).toMatch(/^DOCX could not be read: .*zip/i);
  });

  it('reports a zip without a Word document as corrupt', async () => {
    const zip = new JSZip();
    zip.file('hello.txt', 'hi');
    const error = await failure(await zip.generateAsync({ type: 'nodebuffer' }));
    expect(error.failedCode).toBe(FailedCode.Corrupt);
    expect(error.message).toMatch(/^DOCX could not be read: \S/);
  });

  it('reports a document with no text as empty', async () => {
    const error = await failure(await buildDocx([{ text: '   ' }]));
    expect(error.failedCode).toBe(FailedCode.Empty);
    expect(error.message).toBe('document is empty');
  });
});
