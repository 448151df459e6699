export * from './token-counter';
export * from './off-thread-token-counter';
export * from './analyzer';
