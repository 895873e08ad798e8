import { Drain, mask, type Template } from './drain.js';
import type { Entry } from './formats/index.js';
import { Routes } from './routes.js';
import type { LogsConfig } from './schema.js';

// Templates of the run. Lines are staged per batch and reach the templates only when their batch commits.
export interface PatternMiner {
  stage(): PatternBatch;
  templates(): Template[];
  evicted(): number;
}

export interface PatternBatch {
  add(entry: Entry): void;
  commit(): void;
}

export function patternMiner(http: boolean, config: LogsConfig['patterns']): PatternMiner | undefined {
  if (!config.enabled) return undefined;
  return http ? routeMiner(config.max_templates) : drainMiner(config.similarity, config.max_templates);
}

// Access logs: routes, counted exactly (GET /api/users/<*>/orders); a batch is a small map merged at commit.
function routeMiner(max: number): PatternMiner {
  const routes = new Routes(max);
  return {
    stage() {
      const batch = new Routes(max);
      return {
        add(entry) {
          if (entry.method && entry.path) batch.add(Routes.routeOf(entry.method, entry.path), `${entry.method} ${entry.path}`, entry.time);
        },
        commit: () => routes.merge(batch),
      };
    },
    templates: () => routes.templates(),
    evicted: () => routes.evicted,
  };
}

// Free text: Drain over the messages, their numbers and IP addresses masked first.
function drainMiner(similarity: number, max: number): PatternMiner {
  const drain = new Drain(similarity, max);
  return {
    stage() {
      const staged: Array<[string[], string, number | null]> = [];
      return {
        add(entry) {
          if (!entry.message) return;
          const tokens = mask(entry.message).split(/\s+/).filter(Boolean);
          if (tokens.length) staged.push([tokens, entry.message.length > 300 ? `${entry.message.slice(0, 300)}…` : entry.message, entry.time]);
        },
        commit: () => {
          for (const [tokens, original, time] of staged) drain.add(tokens, original, time);
        },
      };
    },
    templates: () => drain.templates(),
    evicted: () => drain.evicted,
  };
}
