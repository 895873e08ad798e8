import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { Workspace } from '../helpers/cli.js';
import { anchors, deadLinks } from '../helpers/markdown-links.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

describe('links in the Markdown files', () => {
  it('every relative link and #anchor of every Markdown file in the repository leads somewhere', () => {
    // Tracked files, and new ones not yet added (but not ignored ones).
    const files = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard', '*.md'], { cwd: ROOT, encoding: 'utf8' }).split('\n').filter(Boolean);
    expect(files).toContain('README.md');
    const dead = deadLinks(ROOT, files).map((d) => `${d.file}:${d.line}: (${d.link}): ${d.reason}`);
    expect(dead).toEqual([]);
  });

  it('names the file, the line and the link of a missing file, a missing heading and a way out of the repository', () => {
    const ws = new Workspace();
    try {
      ws.write('docs/a.md', '# A\n\n## Exit codes\n');
      ws.write(
        'README.md',
        [
          '# Top',
          'Fine: [a](docs/a.md), [codes](docs/a.md#exit-codes), [here](#top), [web](https://example.com/x.md), `[code](nowhere.md)`',
          '[gone](docs/b.md)',
          '```',
          '[in a fence](nowhere.md)',
          '```',
          'See [codes](docs/a.md#exit-code) and [design](../shared/DESIGN.md).',
          '[ref]: docs/c.md',
        ].join('\n'),
      );
      expect(deadLinks(ws.dir, ['README.md', 'docs/a.md'])).toEqual([
        { file: 'README.md', line: 3, link: 'docs/b.md', reason: 'no such file: docs/b.md' },
        { file: 'README.md', line: 7, link: 'docs/a.md#exit-code', reason: 'no heading #exit-code in docs/a.md' },
        { file: 'README.md', line: 7, link: '../shared/DESIGN.md', reason: 'outside the repository' },
        { file: 'README.md', line: 8, link: 'docs/c.md', reason: 'no such file: docs/c.md' },
      ]);
    } finally {
      ws.remove();
    }
  });

  it('makes heading anchors as GitHub does', () => {
    const text = '## Many machines: `main --queue` and `main worker`\n### `influxdb-copy` — `npm run bench:influx-copy`\n## Kinds\n## Kinds\n<a id="custom"></a>';
    expect([...anchors(text)]).toEqual(['many-machines-main---queue-and-main-worker', 'influxdb-copy--npm-run-benchinflux-copy', 'kinds', 'kinds-1', 'custom']);
  });
});
