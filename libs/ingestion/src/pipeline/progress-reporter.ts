import type { Logger } from '@nestjs/common';
import type { DocumentRepository } from '@fjord/knowledge/documents/document.repository';
import type { IngestionProgress, IngestionStage } from '@fjord/knowledge/documents/document-status';

export interface ProgressCounts {
  chunksDone?: number;
  chunksTotal?: number;
  pagesDone?: number;
  pagesTotal?: number;
}

/**
 * Writes one document version's `progress`: the stage, when that stage started, and the chunks and
 * pages done. The start time stays put while the stage does, so a stalled stage is visible (and
 * detectable) by its age; every write also refreshes the row's `updated_at` heartbeat.
 */
export class ProgressReporter {
  private stage?: IngestionStage;
  private stageStartedAt = new Date();

  constructor(
    private readonly documents: DocumentRepository,
    private readonly document: { id: number; version: number },
    private readonly logger: Logger,
  ) {}

  snapshot(stage: IngestionStage, counts: ProgressCounts = {}): IngestionProgress {
    if (stage !== this.stage) {
      this.stage = stage;
      this.stageStartedAt = new Date();
    }
    return {
      stage,
      chunks_done: counts.chunksDone ?? 0,
      chunks_total: counts.chunksTotal ?? 0,
      ...(counts.pagesTotal ? { pages_done: counts.pagesDone ?? 0, pages_total: counts.pagesTotal } : {}),
      stage_started_at: this.stageStartedAt.toISOString(),
    };
  }

  async report(stage: IngestionStage, counts: ProgressCounts = {}): Promise<void> {
    try {
      await this.documents.updateProgress(this.document.id, this.document.version, this.snapshot(stage, counts));
    } catch (error) {
      // Progress is informative; a failed write must not fail the document.
      this.logger.warn({ err: error, documentId: this.document.id }, 'progress update failed');
    }
  }
}
