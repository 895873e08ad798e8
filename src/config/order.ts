import type { ParsedProcess } from './load.js';
import { closest } from './messages.js';

export interface Ordered {
  parsed: ParsedProcess;
  name: string;
  after?: string[];
}

export interface OrderIssue {
  at: Ordered;
  path: Array<string | number>;
  message: string;
}

// `after` names processes that exist, and never leads back to where it started. Walked without recursion, in
// time linear in the processes and their `after` lists (a chain of thousands is fine).
export function orderProblems(processes: readonly Ordered[]): OrderIssue[] {
  const byName = new Map(processes.map((p) => [p.name, p]));
  const issues: OrderIssue[] = [];
  for (const p of processes) {
    (p.after ?? []).forEach((name, i) => {
      if (name === p.name) issues.push({ at: p, path: ['after', i], message: `"after" names the process itself` });
      else if (!byName.has(name)) issues.push({ at: p, path: ['after', i], message: `"after" names "${name}", which is not a process${suggest(name, [...byName.keys()])}` });
    });
  }
  // A cycle, reported once, at its first process in file order.
  const state = new Map<string, 'visiting' | 'done'>();
  const reported = new Set<string>();
  for (const start of processes) {
    if (state.has(start.name)) continue;
    const path: string[] = [];
    const stack: Array<{ name: string; next: number }> = [{ name: start.name, next: 0 }];
    state.set(start.name, 'visiting');
    path.push(start.name);
    while (stack.length) {
      const top = stack[stack.length - 1]!;
      const after = byName.get(top.name)?.after ?? [];
      if (top.next >= after.length) {
        state.set(top.name, 'done');
        stack.pop();
        path.pop();
        continue;
      }
      const next = after[top.next++]!;
      if (!byName.has(next) || state.get(next) === 'done') continue;
      if (state.get(next) === 'visiting') {
        const cycle = [...path.slice(path.indexOf(next)), next];
        const key = cycle.slice(0, -1).sort().join(' ');
        if (!reported.has(key)) {
          reported.add(key);
          issues.push({ at: byName.get(cycle[0]!)!, path: ['after'], message: `"after" makes a cycle: ${cycle.join(' → ')}` });
        }
        continue;
      }
      state.set(next, 'visiting');
      path.push(next);
      stack.push({ name: next, next: 0 });
    }
  }
  return issues;
}

function suggest(name: string, names: string[]): string {
  const close = closest(name, names);
  return close ? `; did you mean "${close}"?` : '';
}
