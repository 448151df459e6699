import type { OnnxModelFiles } from '@fjord/config';
import type { Pooling } from './onnx-inference';

/** What the runner thread is told at start: one model, used either to embed or to score pairs. */
export interface OnnxRunnerWorkerData {
  task: 'embed' | 'cross-encode';
  files: OnnxModelFiles;
  /** Texts (or pairs) per inference call. */
  batchSize: number;
  maxTokens?: number;
  threads?: number;
  /** embed only; undefined: 1_Pooling/config.json, else mean. */
  pooling?: Pooling;
  /** embed only. */
  normalize?: boolean;
}

export type OnnxRunnerRequest = { id: number; op: 'embed'; texts: string[] } | { id: number; op: 'score'; query: string; passages: string[] };

/** What the model turned out to be, sent once when it is loaded. */
export interface OnnxRunnerInfo {
  inputNames: string[];
  maxTokens: number;
  /** embed only. */
  pooling?: Pooling;
  /** embed only: the vector length. */
  dimension?: number;
}

export type OnnxRunnerResponse =
  | { id: number; ok: true; vectors?: Float32Array[]; scores?: number[]; info?: OnnxRunnerInfo; tokens: number }
  | { id: number; ok: false; error: string };
