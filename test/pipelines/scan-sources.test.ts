import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readLayer } from '../../src/pipelines/scan/sources.js';
import { Workspace } from '../helpers/cli.js';

let ws: Workspace;
beforeEach(() => (ws = new Workspace()));
afterEach(() => ws.remove());

describe('a scan source file', () => {
  it('reads a file saved with a BOM and CRLF line endings, comments and blank lines', () => {
    ws.write('SCAN/BORDE', '\uFEFFhttps://scan/a.log;a;10;HUAWEI\r\n# a comment\r\n\r\nhttps://scan/b.log;b;2,5;CISCO\r\n');
    const { interfaces, problems } = readLayer(ws.path('SCAN'), 'BORDE');
    expect(problems).toEqual([]);
    expect(interfaces.map((i) => [i.link, i.name, i.capacity, i.vendor])).toEqual([
      ['https://scan/a.log', 'a', 10, 'HUAWEI'],
      ['https://scan/b.log', 'b', 2.5, 'CISCO'],
    ]);
  });

  it('reports a missing file as missing, not as an error', () => {
    expect(readLayer(ws.path('SCAN'), 'IXP')).toEqual({ interfaces: [], problems: [], missing: true });
  });
});
