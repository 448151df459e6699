import { Module } from '@nestjs/common';
import { ChatModule } from '@fjord/chat';
import { KnowledgeChatController } from './knowledge-chat.controller';
import { KnowledgeChatResponder } from './knowledge-chat.responder';

/** Viking knowledge chat endpoints: chat/completions, collection/search_and_generate. */
@Module({ imports: [ChatModule], controllers: [KnowledgeChatController], providers: [KnowledgeChatResponder] })
export class KnowledgeChatApiModule {}
