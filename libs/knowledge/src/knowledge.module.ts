import { Module } from '@nestjs/common';
import { EmbeddingsModule } from '@fjord/embeddings/embeddings.module';
import { CollectionRepository } from './collections/collection.repository';
import { CollectionService } from './collections/collection.service';
import { DocumentRepository } from './documents/document.repository';
import { DocumentService } from './documents/document.service';
import { PointRepository } from './points/point.repository';
import { PointService } from './points/point.service';
import { VectorIndexRepository } from './vector-index/vector-index.repository';
import { VectorIndexService } from './vector-index/vector-index.service';
import { EmbeddingMigrationRepository } from './embedding-migration/embedding-migration.repository';
import { EmbeddingMigrationRunner } from './embedding-migration/embedding-migration.runner';
import { EmbeddingMigrationService } from './embedding-migration/embedding-migration.service';
import { VectorWrites } from './embedding-migration/vector-writes';

const providers = [
  CollectionRepository,
  CollectionService,
  DocumentRepository,
  DocumentService,
  PointRepository,
  PointService,
  VectorIndexRepository,
  VectorIndexService,
  VectorWrites,
  EmbeddingMigrationRepository,
  EmbeddingMigrationService,
  EmbeddingMigrationRunner,
];

@Module({ imports: [EmbeddingsModule], providers, exports: [...providers, EmbeddingsModule] })
export class KnowledgeModule {}
