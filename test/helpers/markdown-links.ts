import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';

// A link that leads nowhere: where it is written, what it says, and why it is dead.
export interface DeadLink {
  file: string;
  line: number;
  link: string;
  reason: string;
}

const FENCE = /^\s*(```|~~~)/;
// [text](target) and ![alt](target); the target may be <bracketed> and followed by a "title".
const INLINE = /!?\[[^\]]*\]\(\s*(<[^>]*>|[^\s)]+)[^)]*\)/g;
// [label]: target
const REFERENCE = /^\s{0,3}\[[^\]]+\]:\s*(<[^>]*>|\S+)/;
const HTML_ANCHOR = /<a\s+(?:id|name)="([^"]+)"/g;

// The lines of a Markdown file outside fenced code blocks, with inline code spans blanked out.
function proseLines(text: string): Array<{ line: number; text: string }> {
  const out: Array<{ line: number; text: string }> = [];
  let fenced = false;
  text.split('\n').forEach((raw, i) => {
    if (FENCE.test(raw)) fenced = !fenced;
    else if (!fenced) out.push({ line: i + 1, text: raw.replace(/(`+)(?:(?!\1).)+?\1/g, '') });
  });
  return out;
}

// Heading anchors as GitHub makes them (github-slugger): the heading's text, lower case, without punctuation other
// than "-" and "_", spaces made "-", a repeated one suffixed -1, -2 …; plus <a id|name="…"> anchors.
export function anchors(text: string): Set<string> {
  const found = new Set<string>();
  const seen = new Map<string, number>();
  let fenced = false;
  for (const raw of text.split('\n')) {
    if (FENCE.test(raw)) fenced = !fenced;
    if (fenced) continue;
    for (const m of raw.matchAll(HTML_ANCHOR)) found.add(m[1]!);
    const heading = /^\s{0,3}#{1,6}\s+(.*?)\s*#*\s*$/.exec(raw);
    if (!heading) continue;
    const plain = heading[1]!.replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1').replace(/[`*]/g, '');
    const slug = plain.toLowerCase().replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '').replace(/ /g, '-');
    const n = seen.get(slug) ?? 0;
    seen.set(slug, n + 1);
    found.add(n ? `${slug}-${n}` : slug);
  }
  return found;
}

// Every relative link (and #anchor) in `files` (paths relative to `root`) that leads to no file, no heading, or
// outside `root`. Links with a scheme (https:, mailto: …) are not followed.
export function deadLinks(root: string, files: readonly string[]): DeadLink[] {
  const dead: DeadLink[] = [];
  const anchorCache = new Map<string, Set<string>>();
  const anchorsOf = (path: string) => {
    if (!anchorCache.has(path)) anchorCache.set(path, anchors(readFileSync(path, 'utf8')));
    return anchorCache.get(path)!;
  };
  for (const file of files) {
    const path = join(root, file);
    for (const { line, text } of proseLines(readFileSync(path, 'utf8'))) {
      const targets = [...text.matchAll(INLINE)].map((m) => m[1]!);
      const reference = REFERENCE.exec(text);
      if (reference) targets.push(reference[1]!);
      for (const raw of targets) {
        const link = raw.replace(/^<|>$/g, '');
        if (/^[a-z][a-z0-9+.-]*:/i.test(link)) continue;
        const [target = '', anchor] = link.split('#', 2);
        const to = target ? resolve(dirname(path), decodeURI(target)) : path;
        const say = (reason: string) => dead.push({ file, line, link, reason });
        if (to !== resolve(root) && !to.startsWith(resolve(root) + sep)) say('outside the repository');
        else if (!existsSync(to)) say(`no such file: ${relative(root, to)}`);
        else if (anchor && statSync(to).isFile() && to.endsWith('.md') && !anchorsOf(to).has(decodeURI(anchor).toLowerCase())) {
          say(`no heading #${anchor} in ${relative(root, to)}`);
        }
      }
    }
  }
  return dead;
}
