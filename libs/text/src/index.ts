export * from './token-counter';
export * from './off-thread-token-counter';
export * from './analyzer';
export * from './cjk-terms';
export * from './lexical-analyzer';
