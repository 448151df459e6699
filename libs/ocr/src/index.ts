export * from './ocr.types';
export * from './ocr-error';
export * from './ocr-engine';
export * from './ocr-availability';
export { characterErrorRate, removeSpacesBetweenCjk } from './ocr-text';
export { sniffImageFormat, ImageFormat } from './image-input';
export * from './ocr.module';
