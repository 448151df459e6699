export * from './knowledge-chat.types';
export * from './citation-filter';
export * from './knowledge-prompt';
export * from './knowledge-retriever';
export * from './knowledge-chat.service';
export * from './chat.module';
