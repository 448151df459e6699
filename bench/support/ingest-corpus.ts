import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

/** A BEIR corpus line turned into the Markdown document the benchmark uploads. */
export interface BenchDocument {
  docId: string;
  docName: string;
  markdown: string;
}

/** The directory holding package.json, found upward from `from` (works from bench/ and dist/bench/). */
export function projectRoot(from: string = __dirname): string {
  let dir = resolve(from);
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`no package.json above ${from}`);
    dir = parent;
  }
  return dir;
}

/** `--data` may name corpus.jsonl or its BEIR folder; the default is ../shared/data/scifact-train. */
export function corpusPath(arg: string | undefined): string {
  const path = arg ? resolve(arg) : join(projectRoot(), '..', 'shared', 'data', 'scifact-train', 'corpus.jsonl');
  return existsSync(path) && statSync(path).isDirectory() ? join(path, 'corpus.jsonl') : path;
}

/** Each `{_id, title, text}` line becomes `# <title>\n\n<text>`; `limit` keeps the first n (smoke runs). */
export function loadCorpus(path: string, limit?: number): BenchDocument[] {
  const lines = readFileSync(path, 'utf8').split('\n').filter((line) => line.trim() !== '');
  return lines.slice(0, limit ?? lines.length).map((line) => {
    const row = JSON.parse(line) as { _id: string | number; title?: string; text: string };
    const docId = String(row._id).replace(/[^\w.:@-]/g, '_').slice(0, 128);
    const title = (row.title ?? '').trim();
    return {
      docId,
      docName: (title || docId).slice(0, 512),
      markdown: title ? `# ${title}\n\n${row.text}` : row.text,
    };
  });
}
