import { existsSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import type { Tokenizer } from '@huggingface/tokenizers' with { 'resolution-mode': 'import' };
import * as ort from 'onnxruntime-node';
import { EncodedText, PaddedBatch, Pooling, normalize, padBatch, pool, poolingFromSentenceTransformers, relevanceFromLogits, truncateEncoding } from './onnx-inference';
import type { OnnxRunnerInfo, OnnxRunnerRequest, OnnxRunnerResponse, OnnxRunnerWorkerData } from './onnx-runner.protocol';

/**
 * The local model runner's thread: it owns one ONNX session and its tokenizer, and answers embed
 * and score requests one at a time, so tokenizing and the runtime's bookkeeping never hold up the
 * service's event loop. Nothing here touches the network: the model and tokenizer are files.
 */

const DEFAULT_MAX_TOKENS = 512;
const data = workerData as OnnxRunnerWorkerData;
const port = parentPort;
if (!port) throw new Error('onnx-runner.worker runs as a worker thread');

function readJson(file: string | undefined): Record<string, unknown> {
  return file && existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>) : {};
}

/** The first of `names` the tokenizer knows. */
function tokenId(tokenizer: Tokenizer, names: unknown[]): number | undefined {
  for (const name of names) {
    if (typeof name !== 'string') continue;
    const id = tokenizer.token_to_id(name);
    if (id !== undefined) return id;
  }
  return undefined;
}

/** An AddedToken-shaped value ({content: "[PAD]"}) or a plain string, as tokenizer_config.json writes either. */
const tokenName = (value: unknown): unknown => (value && typeof value === 'object' && 'content' in value ? (value as { content: unknown }).content : value);

class Runner {
  private readonly padId: number;
  readonly info: OnnxRunnerInfo;

  private constructor(
    private readonly session: ort.InferenceSession,
    private readonly tokenizer: Tokenizer,
    tokenizerJson: Record<string, unknown>,
    tokenizerConfig: Record<string, unknown>,
  ) {
    const padding = tokenizerJson.padding as { pad_id?: number } | null | undefined;
    this.padId = padding?.pad_id ?? tokenId(tokenizer, [tokenName(tokenizerConfig.pad_token), '[PAD]', '<pad>']) ?? 0;
    const modelMax = typeof tokenizerConfig.model_max_length === 'number' && tokenizerConfig.model_max_length <= 100_000 ? tokenizerConfig.model_max_length : undefined;
    const unknownInput = session.inputNames.find((name) => !['input_ids', 'attention_mask', 'token_type_ids'].includes(name));
    if (unknownInput) throw new Error(`the model takes an input fjord cannot feed: ${unknownInput} (expected input_ids, attention_mask, token_type_ids)`);
    if (!session.inputNames.includes('input_ids')) throw new Error('the model has no input_ids input');
    this.info = { inputNames: [...session.inputNames], maxTokens: data.maxTokens ?? modelMax ?? DEFAULT_MAX_TOKENS };
  }

  static async load(): Promise<Runner> {
    const tokenizerJson = readJson(data.files.tokenizerFile);
    const tokenizerConfig = readJson(data.files.tokenizerConfigFile);
    // An ES module: loaded with import(), which this CommonJS build keeps as is.
    const { Tokenizer: TokenizerClass } = await import('@huggingface/tokenizers');
    const tokenizer = new TokenizerClass(tokenizerJson, tokenizerConfig);
    const threads = data.threads ?? Math.max(1, Math.floor(availableParallelism() / 2));
    const session = await ort.InferenceSession.create(data.files.modelFile, {
      intraOpNumThreads: threads,
      interOpNumThreads: 1,
      graphOptimizationLevel: 'all',
      // Errors only: the runtime's warnings go to the process's stdout, outside the service's log.
      logSeverityLevel: 3,
    });
    const runner = new Runner(session, tokenizer, tokenizerJson, tokenizerConfig);
    if (data.task === 'embed') {
      runner.info.pooling = data.pooling ?? poolingFromSentenceTransformers(readJson(data.files.poolingConfigFile)) ?? 'mean';
      runner.info.dimension = (await runner.embed(['dimension'])).vectors[0].length;
    }
    return runner;
  }

  /** Vectors in input order; texts are batched by length so a batch pads little. */
  async embed(texts: string[]): Promise<{ vectors: Float32Array[]; tokens: number }> {
    const encoded = texts.map((text) => this.encode(text));
    const vectors = new Array<Float32Array>(texts.length);
    for (const indexes of this.batchesByLength(encoded)) {
      const batch = padBatch(indexes.map((i) => encoded[i]), this.padId);
      const outputs = await this.session.run(this.feeds(batch));
      const pooled = this.sentenceVectors(outputs, batch);
      indexes.forEach((index, j) => (vectors[index] = data.normalize === false ? pooled[j] : normalize(pooled[j])));
    }
    return { vectors, tokens: countTokens(encoded) };
  }

  /** One relevance score in (0, 1) per passage, in input order. */
  async score(query: string, passages: string[]): Promise<{ scores: number[]; tokens: number }> {
    const encoded = passages.map((passage) => this.encode(query, passage));
    const scores = new Array<number>(passages.length);
    for (const indexes of this.batchesByLength(encoded)) {
      const batch = padBatch(indexes.map((i) => encoded[i]), this.padId);
      const outputs = await this.session.run(this.feeds(batch));
      const logits = outputs.logits ?? outputs[this.session.outputNames[0]];
      relevanceFromLogits(logits.data as Float32Array, batch.rows).forEach((score, j) => (scores[indexes[j]] = score));
    }
    return { scores, tokens: countTokens(encoded) };
  }

  private encode(text: string, pair?: string): EncodedText {
    const encoding = this.tokenizer.encode(text, { text_pair: pair ?? null, add_special_tokens: true, return_token_type_ids: true });
    return truncateEncoding({ ids: encoding.ids, attentionMask: encoding.attention_mask, tokenTypeIds: encoding.token_type_ids }, this.info.maxTokens);
  }

  private batchesByLength(encoded: EncodedText[]): number[][] {
    const order = encoded.map((_, i) => i).sort((a, b) => encoded[a].ids.length - encoded[b].ids.length);
    const batches: number[][] = [];
    for (let start = 0; start < order.length; start += data.batchSize) batches.push(order.slice(start, start + data.batchSize));
    return batches;
  }

  private feeds(batch: PaddedBatch): Record<string, ort.Tensor> {
    const columns: Record<string, number[]> = { input_ids: batch.inputIds, attention_mask: batch.attentionMask, token_type_ids: batch.tokenTypeIds };
    const metadata = this.session.inputMetadata;
    return Object.fromEntries(
      this.session.inputNames.map((name) => {
        const values = columns[name];
        const described = metadata.find((m) => m.name === name);
        const int32 = described?.isTensor === true && described.type === 'int32';
        const tensor = int32 ? new ort.Tensor('int32', Int32Array.from(values), [batch.rows, batch.width]) : new ort.Tensor('int64', BigInt64Array.from(values, BigInt), [batch.rows, batch.width]);
        return [name, tensor];
      }),
    );
  }

  /** A pooled `sentence_embedding` output when the export has one, else the pooled token vectors. */
  private sentenceVectors(outputs: ort.InferenceSession.OnnxValueMapType, batch: PaddedBatch): Float32Array[] {
    const sentence = outputs.sentence_embedding;
    if (sentence && sentence.dims.length === 2) {
      const dimension = sentence.dims[1];
      const values = sentence.data as Float32Array;
      return Array.from({ length: batch.rows }, (_, row) => values.slice(row * dimension, (row + 1) * dimension));
    }
    const hidden = outputs.last_hidden_state ?? outputs.token_embeddings ?? outputs[this.session.outputNames[0]];
    if (hidden.dims.length !== 3) throw new Error(`the model's output ${this.session.outputNames[0]} is not [batch, sequence, hidden] (dims ${hidden.dims.join('x')})`);
    return pool(hidden.data as Float32Array, batch.rows, batch.width, hidden.dims[2], batch.attentionMask, this.info.pooling as Pooling);
  }
}

function countTokens(encoded: EncodedText[]): number {
  return encoded.reduce((sum, e) => sum + e.ids.length, 0);
}

const reply = (response: OnnxRunnerResponse) => port.postMessage(response);
const message = (error: unknown) => (error instanceof Error ? error.message : String(error));

void Runner.load().then(
  (runner) => {
    reply({ id: 0, ok: true, info: runner.info, tokens: 0 });
    // One request at a time: a session run already uses the configured threads.
    let queue = Promise.resolve();
    port.on('message', (request: OnnxRunnerRequest) => {
      queue = queue.then(async () => {
        try {
          if (request.op === 'embed') reply({ id: request.id, ok: true, ...(await runner.embed(request.texts)) });
          else reply({ id: request.id, ok: true, ...(await runner.score(request.query, request.passages)) });
        } catch (error) {
          reply({ id: request.id, ok: false, error: message(error) });
        }
      });
    });
  },
  (error: unknown) => reply({ id: 0, ok: false, error: message(error) }),
);
