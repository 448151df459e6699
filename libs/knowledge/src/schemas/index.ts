export * from './common.schema';
export * from './collection.schema';
export * from './document.schema';
export * from './point.schema';
