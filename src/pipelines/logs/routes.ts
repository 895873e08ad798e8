import type { Template } from './drain.js';

interface Route {
  count: number;
  examples: string[];
  firstSeen: number | null;
  lastSeen: number | null;
}

// Access-log templates: a route is the method and the path, each segment holding a digit made <*>
// (GET /api/users/<*>/orders). Exact, so a plain count per route; mergeable, so a batch can be counted
// apart and added when it commits. Past twice `max` routes, the rarest are dropped and counted.
export class Routes {
  private routes = new Map<string, Route>();
  evicted = 0;

  constructor(private readonly max: number) {}

  static routeOf(method: string, path: string): string {
    const q = path.indexOf('?');
    const bare = q >= 0 ? path.slice(0, q) : path;
    return `${method} ${/\d/.test(bare) ? bare.split('/').map((s) => (/\d/.test(s) ? '<*>' : s)).join('/') : bare}`;
  }

  add(route: string, example: string, time: number | null, n = 1): void {
    const r = this.routes.get(route);
    if (!r) {
      this.routes.set(route, { count: n, examples: [example], firstSeen: time, lastSeen: time });
      if (this.routes.size > 2 * this.max) this.prune();
      return;
    }
    r.count += n;
    if (r.examples.length < 3 && !r.examples.includes(example)) r.examples.push(example);
    if (time !== null) {
      if (r.firstSeen === null || time < r.firstSeen) r.firstSeen = time;
      if (r.lastSeen === null || time > r.lastSeen) r.lastSeen = time;
    }
  }

  merge(other: Routes): void {
    for (const [route, r] of other.routes) {
      const mine = this.routes.get(route);
      if (!mine) {
        this.routes.set(route, { ...r, examples: [...r.examples] });
        continue;
      }
      mine.count += r.count;
      for (const e of r.examples) if (mine.examples.length < 3 && !mine.examples.includes(e)) mine.examples.push(e);
      if (r.firstSeen !== null && (mine.firstSeen === null || r.firstSeen < mine.firstSeen)) mine.firstSeen = r.firstSeen;
      if (r.lastSeen !== null && (mine.lastSeen === null || r.lastSeen > mine.lastSeen)) mine.lastSeen = r.lastSeen;
    }
    this.evicted += other.evicted;
    if (this.routes.size > 2 * this.max) this.prune();
  }

  templates(): Template[] {
    return [...this.routes].sort((a, b) => b[1].count - a[1].count).map(([template, r]) => ({ template, ...r }));
  }

  private prune(): void {
    const sorted = [...this.routes].sort((a, b) => b[1].count - a[1].count);
    this.evicted += sorted.length - this.max;
    this.routes = new Map(sorted.slice(0, this.max));
  }
}
