import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { onnx } from 'onnx-proto';

/**
 * Tiny models for the local ONNX runner, built here so no test downloads weights: a WordPiece
 * `tokenizer.json` over a small vocabulary, an embedding model (an embedding-table Gather over
 * `input_ids`, masked by `attention_mask`: its `last_hidden_state` goes through the runner's pooling)
 * and a cross-encoder (the dot product of the query's and the passage's summed token vectors, told
 * apart by `token_type_ids`). Each word of the vocabulary belongs to a concept and its row of the
 * table is that concept's direction, so synonyms ("lab", "laboratory") embed to the same vector and
 * a paraphrase that shares no word with its passage still lands next to it. Words of no concept
 * (stopwords, [CLS], [SEP], [PAD]) get a zero row.
 */

/** concept -> its words; each concept gets its own axis of the table. */
export const TINY_CONCEPTS: Record<string, string[]> = {
  lead: ['runs', 'leads', 'heads', 'directs', 'director', 'head'],
  science: ['physics', 'science', 'scientific'],
  lab: ['laboratory', 'lab', 'labs'],
  shell: ['bash', 'shell', 'terminal', 'command', 'commands'],
  manual: ['manual', 'man', 'page', 'documentation'],
  food: ['cafeteria', 'lunch', 'meal', 'meals', 'food', 'serves'],
  weather: ['rain', 'storm', 'weather', 'forecast'],
  cat: ['cat', 'cats', 'kitten'],
  dog: ['dog', 'dogs', 'puppy'],
  person: ['ada', 'marie', 'professor', 'who'],
};
const STOPWORDS = ['the', 'a', 'of', 'is', 'and', 'what', 'daily', 'every', 'day', 'for', 'in', 'query', 'passage', ':'];
const SPECIAL = ['[PAD]', '[UNK]', '[CLS]', '[SEP]'];

export interface TinyVocabulary {
  tokens: string[];
  /** The table's width: one axis per concept, plus one for [CLS] (see clsAxis). */
  dimension: number;
  /** The axis only [CLS] has, so CLS pooling is told apart from mean pooling. */
  clsAxis: number;
  /** Row i is token i's vector. */
  table: Float32Array;
}

export function tinyVocabulary(): TinyVocabulary {
  const concepts = Object.keys(TINY_CONCEPTS);
  const tokens = [...SPECIAL, ...STOPWORDS, ...concepts.flatMap((c) => TINY_CONCEPTS[c])];
  const dimension = concepts.length + 1;
  const clsAxis = concepts.length;
  const table = new Float32Array(tokens.length * dimension);
  concepts.forEach((concept, axis) => {
    for (const word of TINY_CONCEPTS[concept]) table[tokens.indexOf(word) * dimension + axis] = 1;
  });
  table[tokens.indexOf('[CLS]') * dimension + clsAxis] = 1;
  return { tokens, dimension, clsAxis, table };
}

/** A BERT-style WordPiece tokenizer.json (lower-casing normaliser, [CLS] A [SEP] / [CLS] A [SEP] B [SEP]). */
export function tinyTokenizerJson(tokens: string[]): object {
  const special = (content: string) => ({ id: tokens.indexOf(content), content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true });
  const specialStep = (id: string, typeId: number) => ({ SpecialToken: { id, type_id: typeId } });
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: SPECIAL.map(special),
    normalizer: { type: 'BertNormalizer', clean_text: true, handle_chinese_chars: true, strip_accents: null, lowercase: true },
    pre_tokenizer: { type: 'BertPreTokenizer' },
    post_processor: {
      type: 'TemplateProcessing',
      single: [specialStep('[CLS]', 0), { Sequence: { id: 'A', type_id: 0 } }, specialStep('[SEP]', 0)],
      pair: [specialStep('[CLS]', 0), { Sequence: { id: 'A', type_id: 0 } }, specialStep('[SEP]', 0), { Sequence: { id: 'B', type_id: 1 } }, specialStep('[SEP]', 1)],
      special_tokens: {
        '[CLS]': { id: '[CLS]', ids: [tokens.indexOf('[CLS]')], tokens: ['[CLS]'] },
        '[SEP]': { id: '[SEP]', ids: [tokens.indexOf('[SEP]')], tokens: ['[SEP]'] },
      },
    },
    decoder: { type: 'WordPiece', prefix: '##', cleanup: true },
    model: {
      type: 'WordPiece',
      unk_token: '[UNK]',
      continuing_subword_prefix: '##',
      max_input_chars_per_word: 100,
      vocab: Object.fromEntries(tokens.map((t, i) => [t, i])),
    },
  };
}

const { FLOAT, INT64 } = onnx.TensorProto.DataType;

function floatTensor(name: string, dims: number[], values: Float32Array): onnx.ITensorProto {
  return { name, dims, dataType: FLOAT, rawData: new Uint8Array(values.buffer.slice(values.byteOffset, values.byteOffset + values.byteLength)) };
}

function int64Tensor(name: string, values: number[]): onnx.ITensorProto {
  return { name, dims: [values.length], dataType: INT64, int64Data: values };
}

function valueInfo(name: string, elemType: number, dims: Array<number | string>): onnx.IValueInfoProto {
  return {
    name,
    type: { tensorType: { elemType, shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) } } },
  };
}

function node(opType: string, input: string[], output: string, attribute: onnx.IAttributeProto[] = []): onnx.INodeProto {
  return { opType, input, output: [output], name: output, attribute };
}

const castToFloat = (input: string, output: string) => node('Cast', [input], output, [{ name: 'to', type: onnx.AttributeProto.AttributeType.INT, i: FLOAT }]);
const keepDims = (value: number): onnx.IAttributeProto => ({ name: 'keepdims', type: onnx.AttributeProto.AttributeType.INT, i: value });

function encodeModel(graph: onnx.IGraphProto): Uint8Array {
  return onnx.ModelProto.encode({ irVersion: 8, producerName: 'fjord-test', opsetImport: [{ domain: '', version: 13 }], graph }).finish();
}

/** `last_hidden_state[b, s] = table[input_ids[b, s]] * attention_mask[b, s]`. */
export function tinyEmbeddingModel(vocabulary: TinyVocabulary, extraInput?: string): Uint8Array {
  const { tokens, dimension, table } = vocabulary;
  return encodeModel({
    name: 'tiny-embedder',
    initializer: [floatTensor('table', [tokens.length, dimension], table), int64Tensor('last_axis', [2])],
    node: [
      node('Gather', ['table', 'input_ids'], 'token_vectors', [{ name: 'axis', type: onnx.AttributeProto.AttributeType.INT, i: 0 }]),
      castToFloat('attention_mask', 'mask_float'),
      node('Unsqueeze', ['mask_float', 'last_axis'], 'mask_column'),
      node('Mul', ['token_vectors', 'mask_column'], 'last_hidden_state'),
    ],
    input: [
      valueInfo('input_ids', INT64, ['batch', 'sequence']),
      valueInfo('attention_mask', INT64, ['batch', 'sequence']),
      ...(extraInput ? [valueInfo(extraInput, INT64, ['batch', 'sequence'])] : []),
    ],
    output: [valueInfo('last_hidden_state', FLOAT, ['batch', 'sequence', dimension])],
  });
}

/**
 * `logits[b] = <sum of the query's token vectors, sum of the passage's token vectors>`: the query is
 * segment 0 and the passage segment 1 (`token_type_ids`), as a BERT cross-encoder reads a pair.
 */
export function tinyCrossEncoderModel(vocabulary: TinyVocabulary): Uint8Array {
  const { tokens, dimension, table } = vocabulary;
  return encodeModel({
    name: 'tiny-cross-encoder',
    initializer: [
      floatTensor('table', [tokens.length, dimension], table),
      int64Tensor('last_axis', [2]),
      int64Tensor('sequence_axis', [1]),
    ],
    node: [
      node('Gather', ['table', 'input_ids'], 'token_vectors', [{ name: 'axis', type: onnx.AttributeProto.AttributeType.INT, i: 0 }]),
      castToFloat('attention_mask', 'mask_float'),
      node('Unsqueeze', ['mask_float', 'last_axis'], 'mask_column'),
      castToFloat('token_type_ids', 'segment_float'),
      node('Unsqueeze', ['segment_float', 'last_axis'], 'segment_column'),
      node('Mul', ['mask_column', 'segment_column'], 'passage_mask'),
      node('Sub', ['mask_column', 'passage_mask'], 'query_mask'),
      node('Mul', ['token_vectors', 'query_mask'], 'query_tokens'),
      node('Mul', ['token_vectors', 'passage_mask'], 'passage_tokens'),
      node('ReduceSum', ['query_tokens', 'sequence_axis'], 'query_vector', [keepDims(0)]),
      node('ReduceSum', ['passage_tokens', 'sequence_axis'], 'passage_vector', [keepDims(0)]),
      node('Mul', ['query_vector', 'passage_vector'], 'products'),
      node('ReduceSum', ['products', 'sequence_axis'], 'logits', [keepDims(1)]),
    ],
    input: [
      valueInfo('input_ids', INT64, ['batch', 'sequence']),
      valueInfo('attention_mask', INT64, ['batch', 'sequence']),
      valueInfo('token_type_ids', INT64, ['batch', 'sequence']),
    ],
    output: [valueInfo('logits', FLOAT, ['batch', 1])],
  });
}

export interface TinyModelDirOptions {
  /** Where the model file goes: `model.onnx` (default) or `onnx/model.onnx` as the Hub's repos lay it out. */
  layout?: 'flat' | 'onnx-subdir';
  /** Writes sentence-transformers' 1_Pooling/config.json with this mode. */
  pooling?: 'cls' | 'mean';
  /** Declares one more (unused) input, as some exports have inputs fjord does not feed. */
  extraInput?: string;
}

/** Writes an embedding-model directory (model, tokenizer.json, config.json) under `dir`. */
export function writeTinyEmbeddingModelDir(dir: string, options: TinyModelDirOptions = {}): TinyVocabulary {
  const vocabulary = tinyVocabulary();
  writeModelDir(dir, tinyEmbeddingModel(vocabulary, options.extraInput), vocabulary, options);
  if (options.pooling) {
    mkdirSync(join(dir, '1_Pooling'), { recursive: true });
    writeFileSync(
      join(dir, '1_Pooling', 'config.json'),
      JSON.stringify({ word_embedding_dimension: vocabulary.dimension, pooling_mode_cls_token: options.pooling === 'cls', pooling_mode_mean_tokens: options.pooling === 'mean' }),
    );
  }
  return vocabulary;
}

/** Writes a cross-encoder directory (model, tokenizer.json, config.json) under `dir`. */
export function writeTinyCrossEncoderDir(dir: string, options: Pick<TinyModelDirOptions, 'layout'> = {}): TinyVocabulary {
  const vocabulary = tinyVocabulary();
  writeModelDir(dir, tinyCrossEncoderModel(vocabulary), vocabulary, options);
  return vocabulary;
}

function writeModelDir(dir: string, model: Uint8Array, vocabulary: TinyVocabulary, options: TinyModelDirOptions): void {
  const modelDir = options.layout === 'onnx-subdir' ? join(dir, 'onnx') : dir;
  mkdirSync(modelDir, { recursive: true });
  writeFileSync(join(modelDir, 'model.onnx'), model);
  writeFileSync(join(dir, 'tokenizer.json'), JSON.stringify(tinyTokenizerJson(vocabulary.tokens)));
  writeFileSync(join(dir, 'tokenizer_config.json'), JSON.stringify({ model_max_length: 64, do_lower_case: true }));
  writeFileSync(join(dir, 'config.json'), JSON.stringify({ model_type: 'bert', hidden_size: vocabulary.dimension, max_position_embeddings: 64 }));
}
