/**
 * Renders the OCR fixture pages (libs/ocr/fixtures): pages of known text in English and Chinese, a
 * skewed, noisy "photo" of a page, a two-column page, and an image-only (scanned) PDF. The images are
 * committed, so tests and `npm run bench:ocr` need no fonts; run this again only to change them:
 *
 *   apt-get install fonts-noto-cjk && npm run build && node dist/bench/support/make-ocr-fixtures.js
 *
 * Each page is written with its ground truth (`<name>.txt`, the text in reading order, one line per
 * rendered line) so character error rates can be computed against it.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Canvas, GlobalFonts, SKRSContext2D, createCanvas } from '@napi-rs/canvas';
import { imagePdf } from './image-pdf';

const FIXTURES = join(__dirname, '../../../libs/ocr/fixtures');
const CJK_FONT = '/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc';
const SERIF_FONT = '/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf';

const ENGLISH = [
  'Travel expenses are reimbursed within thirty days of the trip.',
  'Submit the original receipts together with the signed approval form;',
  'hotel invoices must show the nightly rate and the dates of the stay.',
  'Economy class is the rule for flights shorter than six hours. Taxi',
  'fares are refunded when no public transport runs after 22:00, and the',
  'daily meal allowance is 45 euros in Europe and 60 dollars elsewhere.',
  'Questions go to finance@example.com or to extension 4417.',
].join(' ');

const CHINESE = [
  '差旅费用须在出差结束后三十天内申请报销。',
  '申请时请提交原始发票和经过签字的审批单，酒店发票必须注明每晚房价和入住日期。',
  '六小时以内的航班一律乘坐经济舱。晚上十点以后没有公共交通时，出租车费用可以报销。',
  '国内出差每天的餐费补贴为一百二十元，境外出差按当地标准执行。',
  '如有疑问，请联系财务部王经理，电话分机四四一七。',
].join('');

const TWO_COLUMN_LEFT = [
  'The storage cluster keeps three copies of every block.',
  'When a disk fails, the missing copies are rebuilt on the',
  'remaining machines before the failed disk is replaced.',
  'Operators can watch the rebuild on the status page.',
].join(' ');

const TWO_COLUMN_RIGHT = [
  '存储集群为每个数据块保存三个副本。',
  '当磁盘发生故障时，系统会在其余机器上重建缺失的副本，',
  '然后再更换故障磁盘。运维人员可以在状态页面查看重建进度。',
].join('');

interface Block {
  text: string;
  font: string;
  /** Where the text may run: x, y of the first baseline, width available. */
  x: number;
  y: number;
  width: number;
  lineHeight: number;
}

/** Breaks text into lines that fit `width`: at spaces for Latin text, between any two characters for Chinese. */
function wrap(ctx: SKRSContext2D, text: string, width: number): string[] {
  const tokens = text.match(/[\u3000-\u9fff\uff00-\uffef]|[^\s\u3000-\u9fff\uff00-\uffef]+|\s+/g) ?? [];
  const lines: string[] = [];
  let line = '';
  for (const token of tokens) {
    const candidate = line + token;
    if (line !== '' && ctx.measureText(candidate.trimEnd()).width > width) {
      lines.push(line.trim());
      line = /^\s+$/.test(token) ? '' : token;
    } else {
      line = candidate;
    }
  }
  if (line.trim() !== '') lines.push(line.trim());
  return lines;
}

function drawBlock(ctx: SKRSContext2D, block: Block): string[] {
  ctx.font = block.font;
  const lines = wrap(ctx, block.text, block.width);
  lines.forEach((line, index) => ctx.fillText(line, block.x, block.y + index * block.lineHeight));
  return lines;
}

function page(width: number, height: number): { canvas: Canvas; ctx: SKRSContext2D } {
  const canvas = createCanvas(width, height);
  const ctx = canvas.getContext('2d');
  ctx.fillStyle = '#ffffff';
  ctx.fillRect(0, 0, width, height);
  ctx.fillStyle = '#111111';
  return { canvas, ctx };
}

function save(name: string, image: Buffer, truth: string[]): void {
  writeFileSync(join(FIXTURES, name), image);
  writeFileSync(join(FIXTURES, name.replace(/\.[a-z]+$/, '.txt')), truth.join('\n') + '\n');
}

/** A page at roughly 150 dpi (A4 is 1240 x 1754), text at about 11 pt. */
function textPage(text: string, font: string): { canvas: Canvas; lines: string[] } {
  const { canvas, ctx } = page(1240, 900);
  const lines = drawBlock(ctx, { text, font, x: 110, y: 140, width: 1020, lineHeight: 52 });
  return { canvas, lines };
}

function englishPage(): void {
  const { canvas, lines } = textPage(ENGLISH, '30px DejaVu Serif');
  save('english.png', canvas.toBuffer('image/png'), lines);
}

function chinesePage(): { canvas: Canvas; lines: string[] } {
  const { canvas, lines } = textPage(CHINESE, '32px "Noto Sans CJK SC"');
  save('chinese.png', canvas.toBuffer('image/png'), lines);
  return { canvas, lines };
}

function twoColumnPage(): void {
  const { canvas, ctx } = page(1240, 760);
  const left = drawBlock(ctx, { text: TWO_COLUMN_LEFT, font: '28px DejaVu Serif', x: 80, y: 120, width: 500, lineHeight: 48 });
  const right = drawBlock(ctx, { text: TWO_COLUMN_RIGHT, font: '30px "Noto Sans CJK SC"', x: 660, y: 120, width: 500, lineHeight: 50 });
  save('two-column.png', canvas.toBuffer('image/png'), [...left, ...right]);
}

/** A small deterministic generator, so the noise is the same every time the fixtures are made. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

/** The Chinese and English text photographed: turned by 2.5 degrees, uneven light, grain, blur, JPEG. */
function skewedPhoto(): void {
  const width = 1240;
  const height = 1000;
  const { canvas: sheet, ctx: sheetCtx } = page(width, height);
  const english = drawBlock(sheetCtx, { text: ENGLISH.slice(0, 200), font: '30px DejaVu Serif', x: 110, y: 140, width: 1020, lineHeight: 52 });
  const chinese = drawBlock(sheetCtx, { text: CHINESE.slice(0, 90), font: '32px "Noto Sans CJK SC"', x: 110, y: 140 + (english.length + 1) * 52, width: 1020, lineHeight: 52 });

  const photo = createCanvas(width, height);
  const ctx = photo.getContext('2d');
  const light = ctx.createLinearGradient(0, 0, width, height);
  light.addColorStop(0, '#d8d2c4');
  light.addColorStop(1, '#9c9788');
  ctx.fillStyle = light;
  ctx.fillRect(0, 0, width, height);
  ctx.translate(width / 2, height / 2);
  ctx.rotate((2.5 * Math.PI) / 180);
  ctx.scale(0.9, 0.9);
  ctx.globalAlpha = 0.92;
  ctx.globalCompositeOperation = 'multiply';
  ctx.filter = 'blur(0.8px)';
  ctx.drawImage(sheet, -width / 2, -height / 2);
  ctx.resetTransform();
  ctx.filter = 'none';
  ctx.globalCompositeOperation = 'source-over';
  ctx.globalAlpha = 1;

  const pixels = ctx.getImageData(0, 0, width, height);
  const next = random(14);
  for (let i = 0; i < pixels.data.length; i += 4) {
    const grain = (next() - 0.5) * 36;
    for (let c = 0; c < 3; c++) pixels.data[i + c] = Math.max(0, Math.min(255, pixels.data[i + c] + grain));
  }
  ctx.putImageData(pixels, 0, 0);
  save('skewed-photo.jpg', photo.toBuffer('image/jpeg', 72), [...english, ...chinese]);
}

function scannedPdf(chinese: { canvas: Canvas; lines: string[] }): void {
  const jpeg = chinese.canvas.toBuffer('image/jpeg', 85);
  save('scanned-chinese.pdf', imagePdf(jpeg, chinese.canvas.width, chinese.canvas.height, 150), chinese.lines);
}

function main(): void {
  GlobalFonts.registerFromPath(CJK_FONT, 'Noto Sans CJK SC');
  GlobalFonts.registerFromPath(SERIF_FONT, 'DejaVu Serif');
  englishPage();
  scannedPdf(chinesePage());
  twoColumnPage();
  skewedPhoto();
  console.log(`fixtures written to ${FIXTURES}`);
}

main();
