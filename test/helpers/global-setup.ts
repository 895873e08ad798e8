import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

// End-to-end tests drive the compiled CLI, as users and the Docker image run it: `npm test` builds it first.
export default function setup(): void {
  const main = fileURLToPath(new URL('../../dist/main.js', import.meta.url));
  if (!existsSync(main)) throw new Error(`${main} is missing: run the tests with "npm test", which builds dist/ first (npm run build).`);
}
