export { packageVersion } from '../lib/package-version.js';
