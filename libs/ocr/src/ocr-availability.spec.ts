import { checkOcrAvailability } from './ocr-availability';

describe('checkOcrAvailability', () => {
  it('finds tesseract.js with Chinese and English from the npm packages fjord ships', async () => {
    await expect(checkOcrAvailability('tesseract.js', ['chi_sim', 'eng'])).resolves.toMatchObject({ available: true, engine: 'tesseract.js' });
  });

  it('says which npm package brings a missing language', async () => {
    const status = await checkOcrAvailability('tesseract.js', ['eng', 'klingon']);
    expect(status).toMatchObject({ available: false });
    expect(!status.available && status.reason).toContain('npm install @tesseract.js-data/klingon');
  });

  it('says which Debian packages bring a missing tesseract program', async () => {
    const status = await checkOcrAvailability('tesseract-cli', ['chi_sim', 'eng'], '/nonexistent/tesseract');
    expect(!status.available && status.reason).toBe(
      'the tesseract program is not installed: run `apt-get install tesseract-ocr tesseract-ocr-chi-sim tesseract-ocr-eng`',
    );
  });

  it('in auto mode, names both ways to get a language no engine has', async () => {
    const status = await checkOcrAvailability('auto', ['klingon'], '/nonexistent/tesseract');
    expect(status.available).toBe(false);
    expect(!status.available && status.reason).toMatch(/^OCR is unavailable\. .*npm install @tesseract\.js-data\/klingon.*apt-get install tesseract-ocr tesseract-ocr-klingon/);
  });
});
