export * from './domain-error';
export * from './shutdown-deadline';
