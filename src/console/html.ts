// The escaping markup builder lives in lib/ (the kinds' report files use it too); the console's pages import it here.
export { html, Html, escapeHtml } from '../lib/html.js';
