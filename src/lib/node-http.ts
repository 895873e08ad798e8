import type Http from 'node:http';
import type Https from 'node:https';
import { createRequire } from 'node:module';

// node:http and node:https through require, not import: Node builds an ES module's view of a built-in by reading
// every export, and three of node:http's (WebSocket and its events) load Node's copy of undici to answer: ~40 ms
// of CPU at the start of every `main` and every child that imports an HTTP client, used or not. Types come from
// `import type`, which costs nothing at run time.
const require = createRequire(import.meta.url);
export const http = require('node:http') as typeof Http;
export const https = require('node:https') as typeof Https;
