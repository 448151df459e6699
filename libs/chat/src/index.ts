export * from './knowledge-chat.types';
