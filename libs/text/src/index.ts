export * from './token-counter';
export * from './analyzer';
