export * from './domain-error';
export * from './shutdown-deadline';
export * from './null-as-absent';
