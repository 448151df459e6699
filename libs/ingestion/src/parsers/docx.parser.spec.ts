import JSZip from 'jszip';
import { buildDocx } from '../../../../test/support/document-fixtures';
import { PermanentError } from '@fjord/common';
import { FailedCode } from '../failed-code';
import { parseDocument } from './document-parser';

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
