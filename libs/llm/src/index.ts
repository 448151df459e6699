export * from './chat-model';
export * from './message-tokens';
export * from './extractive-chat-model';
export * from './extractive/extract-answer';
export * from './extractive/segment';
export * from './openai-chat-model';
export * from './upstream-errors';
export * from './llm.module';
