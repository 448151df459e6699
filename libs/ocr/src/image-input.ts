import { decode as decodeBmp } from 'bmp-js';
import sharp from 'sharp';
import { OcrError } from './ocr-error';
import { RenderedPage } from './ocr.types';

export type ImageFormat = 'png' | 'jpeg' | 'webp' | 'tiff' | 'bmp' | 'gif';

/** Recognised from the first bytes, never from a file name. */
export function sniffImageFormat(bytes: Uint8Array): ImageFormat | undefined {
  const starts = (...signature: number[]) => signature.every((byte, i) => bytes[i] === byte);
  if (starts(0x89, 0x50, 0x4e, 0x47)) return 'png';
  if (starts(0xff, 0xd8, 0xff)) return 'jpeg';
  if (starts(0x52, 0x49, 0x46, 0x46) && bytes[8] === 0x57 && bytes[9] === 0x45 && bytes[10] === 0x42 && bytes[11] === 0x50) return 'webp';
  if (starts(0x49, 0x49, 0x2a, 0x00) || starts(0x4d, 0x4d, 0x00, 0x2a)) return 'tiff';
  if (starts(0x42, 0x4d)) return 'bmp';
  if (starts(0x47, 0x49, 0x46, 0x38)) return 'gif';
  return undefined;
}

/** Larger images (a 10,000 x 10,000 scan) are refused rather than decoded into gigabytes. */
const MAX_INPUT_PIXELS = 100_000_000;
/** Below this, text is usually too small for the recogniser, so the image is enlarged. */
const MIN_LONG_SIDE = 1200;

function requireFormat(bytes: Uint8Array): ImageFormat {
  const format = sniffImageFormat(bytes);
  if (!format) throw new OcrError('unreadable', 'not an image fjord can read (expected PNG, JPEG, WebP, TIFF, BMP or GIF)');
  return format;
}

/** BMP is the one listed format libvips (sharp) does not read; bmp-js decodes it to raw RGB. */
function bmpToSharp(bytes: Buffer): sharp.Sharp {
  const { width, height, data } = decodeBmp(bytes);
  if (width * height > MAX_INPUT_PIXELS) throw new OcrError('unreadable', `the image is too large (${width} x ${height} pixels)`);
  const rgb = Buffer.alloc(width * height * 3);
  for (let pixel = 0; pixel < width * height; pixel++) {
    rgb[pixel * 3] = data[pixel * 4 + 3];
    rgb[pixel * 3 + 1] = data[pixel * 4 + 2];
    rgb[pixel * 3 + 2] = data[pixel * 4 + 1];
  }
  return sharp(rgb, { raw: { width, height, channels: 3 } });
}

function open(bytes: Buffer, page: number): sharp.Sharp {
  const format = requireFormat(bytes);
  try {
    if (format === 'bmp') return bmpToSharp(bytes);
    return sharp(bytes, { page: page - 1, limitInputPixels: MAX_INPUT_PIXELS, failOn: 'error' });
  } catch (error) {
    if (error instanceof OcrError) throw error;
    throw new OcrError('unreadable', `the image could not be decoded: ${(error as Error).message}`, { cause: error });
  }
}

/** Pages in the image: TIFF (and animated GIF/WebP) may hold several, other formats one. */
export async function imagePageCount(bytes: Buffer): Promise<number> {
  const format = requireFormat(bytes);
  if (format === 'bmp') return 1;
  try {
    const metadata = await sharp(bytes, { limitInputPixels: MAX_INPUT_PIXELS }).metadata();
    return metadata.pages ?? 1;
  } catch (error) {
    throw new OcrError('unreadable', `the image could not be decoded: ${(error as Error).message}`, { cause: error });
  }
}

/**
 * The image as the recogniser wants it: turned upright by its EXIF orientation (phone photos), on
 * white where it was transparent, grey, and scaled so its longest side is between 1,200 px and
 * `maxSide`. PNG at low compression: it only crosses into the engine, and encoding time is OCR time.
 */
export async function prepareForOcr(bytes: Buffer, options: { page: number; maxSide: number }): Promise<RenderedPage> {
  const pages = await imagePageCount(bytes);
  if (!Number.isInteger(options.page) || options.page < 1 || options.page > pages) {
    throw new OcrError('unreadable', `page ${options.page} does not exist: the image has ${pages} page${pages === 1 ? '' : 's'}`);
  }
  try {
    const image = open(bytes, options.page).rotate().flatten({ background: '#ffffff' }).grayscale();
    const { width = 0, height = 0, orientation } = await image.metadata();
    const [uprightWidth, uprightHeight] = orientation && orientation >= 5 ? [height, width] : [width, height];
    const longSide = Math.max(uprightWidth, uprightHeight);
    if (longSide === 0) throw new Error('the image is empty');
    const target = longSide > options.maxSide ? options.maxSide : longSide < MIN_LONG_SIDE ? Math.min(MIN_LONG_SIDE, longSide * 3) : longSide;
    const resized = target === longSide ? image : image.resize({ width: Math.round((uprightWidth * target) / longSide), height: Math.round((uprightHeight * target) / longSide), fit: 'fill' });
    // A density below 70 dpi tells Tesseract the resolution is unknown, so it estimates it from the
    // text height; the 72 dpi sharp writes by default made it misjudge photographed pages badly.
    const { data, info } = await resized.png({ compressionLevel: 1 }).withDensity(1).toBuffer({ resolveWithObject: true });
    return { png: data, width: info.width, height: info.height };
  } catch (error) {
    if (error instanceof OcrError) throw error;
    throw new OcrError('unreadable', `the image could not be decoded: ${(error as Error).message}`, { cause: error });
  }
}
