import { docTypeFromFileName, isSupportedDocType, SUPPORTED_DOC_TYPES } from './doc-type';

describe('doc types', () => {
  it.each([
    ['notes.txt', 'txt'],
    ['README.MD', 'md'],
    ['guide.markdown', 'markdown'],
    ['page.HTML', 'html'],
    ['old-page.htm', 'html'],
    ['letter.text', 'txt'],
    ['report.v2.pdf', 'pdf'],
    ['Spec.Docx', 'docx'],
    ['prices.csv', 'csv'],
    ['events.jsonl', 'json'],
    ['data.json', 'json'],
    ['Budget.XLSX', 'xlsx'],
    ['old.xls', 'xls'],
    ['deck.pptx', 'pptx'],
    ['letter.doc', 'doc'],
    ['Harbour.EPUB', 'epub'],
    ['re: audit.eml', 'eml'],
    ['Outlook item.msg', 'msg'],
    ['fees.rtf', 'rtf'],
  ])('%s -> %s', (name, type) => {
    expect(docTypeFromFileName(name)).toBe(type);
  });

  it.each(['archive.zip', 'slides.key', 'noextension', 'trailingdot.', '.hidden-md', 'image.gif'])('%s is not supported', (name) => {
    expect(docTypeFromFileName(name)).toBeUndefined();
  });

  it('recognises exactly the supported types', () => {
    expect(SUPPORTED_DOC_TYPES.every(isSupportedDocType)).toBe(true);
    expect(isSupportedDocType('exe')).toBe(false);
    expect(isSupportedDocType('PDF')).toBe(false); // doc_type values are lower case
    expect(isSupportedDocType('htm')).toBe(false);
  });
});
