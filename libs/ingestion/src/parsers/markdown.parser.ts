import type { ParsedDocument } from './parsed-document';
import { decodeText } from './text-decoding';

const FRONT_MATTER = /^---\r?\n[\s\S]*?\r?\n---\r?\n/;
const FRONT_MATTER_TITLE = /^title:\s*["']?(.+?)["']?\s*$/m;
const FIRST_H1 = /^ {0,3}# +(.+?)[ #]*$/m;

/** Markdown is kept as written; YAML front matter is metadata, not content, except its title. */
export function parseMarkdown(bytes: Buffer): ParsedDocument {
  let markdown = decodeText(bytes);
  let title: string | undefined;
  const frontMatter = FRONT_MATTER.exec(markdown);
  if (frontMatter) {
    title = FRONT_MATTER_TITLE.exec(frontMatter[0])?.[1];
    markdown = markdown.slice(frontMatter[0].length);
  }
  title ??= FIRST_H1.exec(markdown)?.[1];
  return { kind: 'text', title: title?.trim() || undefined, markdown };
}
