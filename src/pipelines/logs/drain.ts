// Message templates by Drain (He et al., ICWS 2017): messages go down a tree by their token count and first
// tokens to a short list of templates; one that shares at least `similarity` of its tokens with the message
// takes it, and its differing tokens become <*>. IP addresses and numbers are masked first.

export interface Template {
  template: string;
  count: number;
  examples: string[];
  firstSeen: number | null;
  lastSeen: number | null;
}

interface Cluster {
  tokens: string[];
  count: number;
  examples: string[];
  firstSeen: number | null;
  lastSeen: number | null;
  touched: number;
  leaf: Cluster[];
}

const WILDCARD = '<*>';
// Leading tokens that pick the leaf (Drain's depth − 2): 1 lets "user alice …" and "user bob …" meet.
const DEPTH = 1;
const MAX_CHILDREN = 100;
const MAX_TOKENS = 80;
const LEAF_LIMIT = 64;
const IPV4 = /\b(?:\d{1,3}\.){3}\d{1,3}(?::\d{1,5})?\b/g;
// Full (8 groups) or shortened with "::"; a time such as 12:30:45 has neither.
const IPV6 = /(?<![\w:.])(?:(?:[0-9a-fA-F]{1,4}:){7}[0-9a-fA-F]{1,4}|(?:[0-9a-fA-F]{1,4}(?::[0-9a-fA-F]{1,4}){0,6})?::(?:[0-9a-fA-F]{1,4}(?::[0-9a-fA-F]{1,4}){0,6})?)(?![\w:])/g;
const NUMBER = /(?<![\w.])[-+]?\d+(?:\.\d+)?(?![\w.])/g;

export function mask(message: string): string {
  return message.replace(IPV4, '<IP>').replace(IPV6, '<IP>').replace(NUMBER, '<NUM>');
}

export class Drain {
  private readonly root = new Map<number, Map<string, unknown>>();
  private readonly clusters = new Set<Cluster>();
  private clock = 0;
  evicted = 0;

  constructor(
    private readonly similarity: number,
    private readonly maxTemplates: number,
  ) {}

  // Add a message, already cut into tokens; `original` is kept as an example.
  add(tokens: string[], original: string, time: number | null): void {
    if (tokens.length > MAX_TOKENS) tokens = [...tokens.slice(0, MAX_TOKENS - 1), WILDCARD];
    const leaf = this.leafFor(tokens);
    let best: Cluster | undefined;
    let bestScore = -1;
    for (const c of leaf) {
      const score = similarity(c.tokens, tokens);
      if (score > bestScore) [best, bestScore] = [c, score];
    }
    this.clock++;
    if (best && bestScore >= this.similarity) {
      for (let i = 0; i < tokens.length; i++) if (best.tokens[i] !== tokens[i] && best.tokens[i] !== WILDCARD) best.tokens[i] = WILDCARD;
      best.count++;
      best.touched = this.clock;
      if (time !== null) {
        best.lastSeen = best.lastSeen === null ? time : Math.max(best.lastSeen, time);
        best.firstSeen = best.firstSeen === null ? time : Math.min(best.firstSeen, time);
      }
      if (best.examples.length < 3 && !best.examples.includes(original)) best.examples.push(original);
      return;
    }
    const cluster: Cluster = { tokens: [...tokens], count: 1, examples: [original], firstSeen: time, lastSeen: time, touched: this.clock, leaf };
    leaf.push(cluster);
    this.clusters.add(cluster);
    // A leaf that grows without bound makes every message slower: its least recently matched template goes.
    if (leaf.length > LEAF_LIMIT) this.evict(leaf.reduce((a, b) => (a.touched <= b.touched ? a : b)));
    if (this.clusters.size > this.maxTemplates * 1.1 + 1) this.evictOldest();
  }

  templates(): Template[] {
    return [...this.clusters]
      .sort((a, b) => b.count - a.count)
      .map((c) => ({ template: c.tokens.join(' '), count: c.count, examples: c.examples, firstSeen: c.firstSeen, lastSeen: c.lastSeen }));
  }

  private leafFor(tokens: string[]): Cluster[] {
    let node = this.root.get(tokens.length) as Map<string, unknown> | undefined;
    if (!node) this.root.set(tokens.length, (node = new Map()));
    for (let depth = 0; depth < DEPTH; depth++) {
      const token = depth < tokens.length ? tokens[depth]! : '';
      const key = /\d/.test(token) || token === WILDCARD ? WILDCARD : token;
      let next = node.get(key) as Map<string, unknown> | undefined;
      if (!next) {
        const useKey = node.size >= MAX_CHILDREN && !node.has(key) ? WILDCARD : key;
        next = node.get(useKey) as Map<string, unknown> | undefined;
        if (!next) node.set(useKey, (next = new Map()));
      }
      node = next;
    }
    let leaf = node.get('') as Cluster[] | undefined;
    if (!leaf) node.set('', (leaf = []));
    return leaf;
  }

  private evict(cluster: Cluster): void {
    cluster.leaf.splice(cluster.leaf.indexOf(cluster), 1);
    this.clusters.delete(cluster);
    this.evicted++;
  }

  // Down to `maxTemplates`, least recently matched first, in one go (a scan per new template would be slow).
  private evictOldest(): void {
    const oldest = [...this.clusters].sort((a, b) => a.touched - b.touched).slice(0, this.clusters.size - this.maxTemplates);
    for (const c of oldest) this.evict(c);
  }
}

// Tokens equal at the same position, over the length; a wildcard in the template counts as half a match.
function similarity(template: string[], tokens: string[]): number {
  let same = 0;
  for (let i = 0; i < tokens.length; i++) {
    if (template[i] === tokens[i]) same++;
    else if (template[i] === WILDCARD) same += 0.5;
  }
  return same / tokens.length;
}
