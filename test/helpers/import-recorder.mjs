// Loaded with `node --import`: appends every package a process resolves (its bare name, once) to SAT_IMPORTS_FILE,
// and at exit `node:undici` when Node loaded its own copy of undici (an ES-module import of node:http does: 40 ms).
import { appendFileSync } from 'node:fs';
import { registerHooks } from 'node:module';

const file = process.env.SAT_IMPORTS_FILE;
const seen = new Set();
registerHooks({
  resolve(specifier, context, next) {
    const result = next(specifier, context);
    if (file && !/^(?:node:|\.|\/|file:|data:)/.test(specifier)) {
      const name = specifier.startsWith('@') ? specifier.split('/').slice(0, 2).join('/') : specifier.split('/')[0];
      if (!seen.has(name)) appendFileSync(file, `${name}\n`), seen.add(name);
    }
    return result;
  },
});

process.on('exit', () => {
  const builtins = process.moduleLoadList;
  if (!file || !Array.isArray(builtins)) return;
  appendFileSync(file, `node:builtins-listed\n${builtins.some((m) => m.includes('undici')) ? 'node:undici\n' : ''}`);
});
