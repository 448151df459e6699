import { Module } from '@nestjs/common';
import { MulterModule } from '@nestjs/platform-express';
import { memoryStorage } from 'multer';
import { APP_CONFIG, AppConfig } from '@fjord/config';
import { IngestionModule } from '@fjord/ingestion/ingestion.module';
import { KnowledgeModule } from '@fjord/knowledge/knowledge.module';
import { CollectionController } from './collection.controller';
import { DocumentController } from './document.controller';
import { KnowledgeChatApiModule } from './knowledge-chat-api.module';
import { PointController } from './point.controller';

/** The Viking knowledge-base API: collections, documents, points (search lives in the search module). */
@Module({
  imports: [
    KnowledgeModule,
    IngestionModule,
    KnowledgeChatApiModule,
    MulterModule.registerAsync({
      inject: [APP_CONFIG],
      // One byte over the limit is enough for multer to detect oversize and answer 413.
      useFactory: (config: AppConfig) => ({ storage: memoryStorage(), limits: { fileSize: config.uploads.maxBytes, files: 1, fields: 32 } }),
    }),
  ],
  controllers: [CollectionController, DocumentController, PointController],
})
export class VikingModule {}
