import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';

/**
 * Vectors shaped like a learned embedding model's, for measuring the vector index where hashing
 * vectors say nothing: hashing spreads texts almost uniformly over the sphere, which is the worst
 * case for HNSW, while a real model (bge, e5) puts texts in a narrow cone (random pairs at cosine
 * ~0.3-0.5), clusters them by topic and document, and varies chunks of one document along few
 * directions. A mixture of Gaussians on the unit sphere with that structure:
 *
 *   chunk = normalize(a*mean + b*topic + c*document + d*(topic basis * z) + e*noise)
 *
 * with `mean` one direction shared by all texts (the cone), `topic` one of TOPICS centres,
 * `document` the document's own offset, `topic basis * z` a point in the topic's low-dimensional
 * subspace (how chunks of a document differ: few directions, as real text varies) and `noise`
 * isotropic. A query is its source chunk plus its own subspace and isotropic noise. The bench
 * prints the cosine statistics this gives, to be set beside a real model's.
 */

export interface ClusteredShape {
  dimension: number;
  topics: number;
  /** Dimension of each topic's chunk-variation subspace. */
  subspace: number;
}

const WEIGHTS = { mean: 0.6, topic: 0.5, document: 0.4, variation: 0.45, noise: 0.12 };
const QUERY_NOISE = { variation: 0.6, noise: 0.2 };

/** mulberry32, seeded from several integers. */
function seeded(...parts: number[]): () => number {
  let a = 0x9e3779b9;
  for (const p of parts) a = Math.imul(a ^ (p + 0x7f4a7c15), 0x85ebca6b) ^ (a >>> 13);
  a >>>= 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** n standard normal values (Box-Muller). */
function gaussians(n: number, random: () => number): Float64Array {
  const out = new Float64Array(n);
  for (let i = 0; i < n; i += 2) {
    const u = Math.max(random(), 1e-12);
    const v = random();
    const r = Math.sqrt(-2 * Math.log(u));
    out[i] = r * Math.cos(2 * Math.PI * v);
    if (i + 1 < n) out[i + 1] = r * Math.sin(2 * Math.PI * v);
  }
  return out;
}

/** A random direction of unit length. */
function direction(dimension: number, random: () => number): Float64Array {
  const g = gaussians(dimension, random);
  let norm = 0;
  for (const x of g) norm += x * x;
  const scale = 1 / Math.sqrt(norm);
  return g.map((x) => x * scale);
}

export class ClusteredVectors {
  private readonly mean: Float64Array;
  private readonly topicCentres: Float64Array[];
  private readonly topicBases: Float64Array[][];
  private readonly documentOffsets = new Map<number, Float64Array>();
  /** Text -> what it is, so the embedding server can answer for any text the bench made. */
  private readonly registry = new Map<string, { doc: number; chunk: number; query?: number }>();

  constructor(readonly shape: ClusteredShape) {
    this.mean = direction(shape.dimension, seeded(1));
    this.topicCentres = Array.from({ length: shape.topics }, (_, t) => direction(shape.dimension, seeded(2, t)));
    this.topicBases = Array.from({ length: shape.topics }, (_, t) => Array.from({ length: shape.subspace }, (_, k) => direction(shape.dimension, seeded(3, t, k))));
  }

  get dimension(): number {
    return this.shape.dimension;
  }

  topicOf(doc: number): number {
    return doc % this.shape.topics;
  }

  registerChunk(text: string, doc: number, chunk: number): void {
    this.registry.set(text, { doc, chunk });
  }

  registerQuery(text: string, doc: number, chunk: number, query: number): void {
    this.registry.set(text, { doc, chunk, query });
  }

  /** The vector of a text registered before; undefined for any other text. */
  vectorOf(text: string): number[] | undefined {
    const known = this.registry.get(text);
    if (!known) return undefined;
    return known.query === undefined ? this.chunk(known.doc, known.chunk) : this.query(known.doc, known.chunk, known.query);
  }

  chunk(doc: number, chunk: number): number[] {
    return normalized(this.chunkRaw(doc, chunk));
  }

  query(doc: number, chunk: number, query: number): number[] {
    const v = this.chunkRaw(doc, chunk);
    this.addVariation(v, this.topicOf(doc), seeded(5, doc, chunk, query), QUERY_NOISE.variation, QUERY_NOISE.noise);
    return normalized(v);
  }

  private chunkRaw(doc: number, chunk: number): Float64Array {
    const topic = this.topicOf(doc);
    const { dimension } = this.shape;
    const v = new Float64Array(dimension);
    const documentOffset = this.documentOffset(doc);
    for (let i = 0; i < dimension; i++) v[i] = WEIGHTS.mean * this.mean[i] + WEIGHTS.topic * this.topicCentres[topic][i] + WEIGHTS.document * documentOffset[i];
    this.addVariation(v, topic, seeded(4, doc, chunk), WEIGHTS.variation, WEIGHTS.noise);
    return v;
  }

  /** Adds a random point of the topic's subspace (unit variance overall) and isotropic noise. */
  private addVariation(v: Float64Array, topic: number, random: () => number, variation: number, noise: number): void {
    const basis = this.topicBases[topic];
    const z = gaussians(basis.length, random);
    const scale = variation / Math.sqrt(basis.length);
    for (let k = 0; k < basis.length; k++) {
      const w = z[k] * scale;
      const b = basis[k];
      for (let i = 0; i < v.length; i++) v[i] += w * b[i];
    }
    const iso = gaussians(v.length, random);
    const isoScale = noise / Math.sqrt(v.length);
    for (let i = 0; i < v.length; i++) v[i] += iso[i] * isoScale;
  }

  private documentOffset(doc: number): Float64Array {
    let offset = this.documentOffsets.get(doc);
    if (!offset) {
      offset = direction(this.shape.dimension, seeded(6, doc));
      this.documentOffsets.set(doc, offset);
    }
    return offset;
  }
}

function normalized(v: Float64Array): number[] {
  let norm = 0;
  for (const x of v) norm += x * x;
  const scale = 1 / Math.sqrt(norm);
  return Array.from(v, (x) => x * scale);
}

export function cosine(a: number[], b: number[]): number {
  let dot = 0;
  for (let i = 0; i < a.length; i++) dot += a[i] * b[i];
  return dot; // both unit length
}

/**
 * A fake OpenAI-compatible `/v1/embeddings` over real HTTP that answers the registered texts' vectors;
 * an unknown text is a 400, so the bench cannot silently measure vectors it did not mean to.
 */
export async function startClusteredEmbeddingServer(vectors: ClusteredVectors, model: string): Promise<{ baseUrl: string; requests: () => number; close: () => Promise<void> }> {
  let requests = 0;
  const server: Server = createServer((req, res) => {
    const parts: Buffer[] = [];
    req.on('data', (c: Buffer) => parts.push(c));
    req.on('end', () => {
      requests++;
      const body = JSON.parse(Buffer.concat(parts).toString('utf8')) as { input: string | string[] };
      const input = typeof body.input === 'string' ? [body.input] : body.input;
      const data: Array<{ object: 'embedding'; index: number; embedding: number[] }> = [];
      for (const [index, text] of input.entries()) {
        const embedding = vectors.vectorOf(text);
        if (!embedding) {
          res.writeHead(400, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ error: { message: `unknown text: ${text.slice(0, 60)}` } }));
          return;
        }
        data.push({ object: 'embedding', index, embedding });
      }
      const tokens = input.reduce((sum, t) => sum + Math.ceil(t.length / 4), 0);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ object: 'list', data, model, usage: { prompt_tokens: tokens, total_tokens: tokens } }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`,
    requests: () => requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
