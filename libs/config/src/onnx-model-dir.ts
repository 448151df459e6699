import { existsSync, statSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';

/** The files of a local ONNX model directory (a Hugging Face repo or an Optimum export) that fjord reads. */
export interface OnnxModelFiles {
  /** The directory, absolute. */
  dir: string;
  /** `model.onnx` or `onnx/model.onnx` (the layout of the Hub's repos). */
  modelFile: string;
  tokenizerFile: string;
  /** tokenizer_config.json: the normaliser's options and `model_max_length`; optional. */
  tokenizerConfigFile?: string;
  /** config.json: `max_position_embeddings`, `hidden_size`; optional. */
  modelConfigFile?: string;
  /** sentence-transformers' 1_Pooling/config.json (CLS or mean pooling); optional. */
  poolingConfigFile?: string;
}

const MODEL_CANDIDATES = ['model.onnx', join('onnx', 'model.onnx')];

/**
 * Finds the files a model directory must hold, or says in one line what is missing. Only the
 * model and tokenizer.json are required: the rest has defaults.
 */
export function locateOnnxModelFiles(dirSetting: string, variable: string): OnnxModelFiles | string {
  const dir = isAbsolute(dirSetting) ? dirSetting : resolve(dirSetting);
  if (!existsSync(dir) || !statSync(dir).isDirectory()) return `${variable}: ${dir} is not a directory`;
  const modelFile = MODEL_CANDIDATES.map((name) => join(dir, name)).find((file) => existsSync(file));
  const tokenizerFile = join(dir, 'tokenizer.json');
  const missing = [...(modelFile ? [] : [MODEL_CANDIDATES.join(' or ')]), ...(existsSync(tokenizerFile) ? [] : ['tokenizer.json'])];
  if (!modelFile || missing.length > 0) {
    return `${variable}: ${dir} has no ${missing.join(' and no ')} (an ONNX export with its tokenizer, e.g. huggingface-cli download <repo> --include "onnx/model.onnx" "*.json" "1_Pooling/*")`;
  }
  const optional = (name: string) => (existsSync(join(dir, name)) ? join(dir, name) : undefined);
  return {
    dir,
    modelFile,
    tokenizerFile,
    tokenizerConfigFile: optional('tokenizer_config.json'),
    modelConfigFile: optional('config.json'),
    poolingConfigFile: optional(join('1_Pooling', 'config.json')),
  };
}
