/** api.md's process_status values. */
export enum ProcessStatus {
  Done = 0,
  Failed = 1,
  Queued = 2,
  Deleting = 5,
  Processing = 6,
}

export type IngestionStage = 'queued' | 'fetching' | 'parsing' | 'ocr' | 'chunking' | 'embedding' | 'indexing' | 'done' | 'failed';

export interface IngestionProgress {
  stage: IngestionStage;
  chunks_done: number;
  chunks_total: number;
  /** Pages (or slides, sheets) done and in all, for formats that have them. */
  pages_done?: number;
  pages_total?: number;
  /** ISO time the current stage started. */
  stage_started_at?: string;
}
