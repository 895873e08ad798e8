import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { maskUrl } from '../../lib/url.js';

export interface Interface {
  layer: string;
  link: string;
  name: string;
  /** Gbps; 0 means unknown: no utilisation is computed. */
  capacity: number;
  vendor: string;
}

export interface SourceProblem {
  file: string;
  line: number;
  message: string;
}

// One layer's source file: `link;name;capacity;vendor` a line, blank lines and # comments allowed.
// A bad line is reported with file:line and skipped; it does not stop the others.
export function readLayer(sourcesDir: string, layer: string): { interfaces: Interface[]; problems: SourceProblem[]; missing: boolean } {
  const file = join(sourcesDir, layer);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return { interfaces: [], problems: [], missing: true };
  }
  const interfaces: Interface[] = [];
  const problems: SourceProblem[] = [];
  const seen = new Map<string, number>();
  // A file saved by a Windows editor may start with a BOM and end its lines with CRLF.
  text.replace(/^\uFEFF/, '').split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (!line || line.startsWith('#')) return;
    const at = { file, line: i + 1 };
    const fields = line.split(';').map((f) => f.trim());
    if (fields.length < 4 || fields.slice(0, 4).some((f) => f === '')) {
      return void problems.push({ ...at, message: `expected "link;interface;capacity;vendor", got ${fields.length} field(s): "${line}"` });
    }
    const [link, name, capacityText, vendor] = fields as [string, string, string, string];
    const capacity = Number(capacityText.replace(',', '.'));
    if (!/^\d+([.,]\d+)?$/.test(capacityText) || !Number.isFinite(capacity)) {
      return void problems.push({ ...at, message: `expected the capacity of "${name}" to be a number of Gbps, got "${capacityText}"` });
    }
    // Line protocol cannot end a tag value with a backslash: such a name could never be stored in InfluxDB.
    if (name.endsWith('\\')) return void problems.push({ ...at, message: `an interface name cannot end with a backslash, got "${name}"` });
    // canParse: a link that `new URL` refuses is named here, not thrown at fetch time (its error quotes the link).
    if (!/^(https?|file):\/\//i.test(link) || !URL.canParse(link)) return void problems.push({ ...at, message: `expected the link of "${name}" to be an https://, http:// or file:// URL, got "${maskUrl(link)}"` });
    const first = seen.get(name);
    if (first !== undefined) return void problems.push({ ...at, message: `duplicate interface "${name}"; it is already on line ${first}` });
    seen.set(name, i + 1);
    interfaces.push({ layer, link, name, capacity, vendor });
  });
  return { interfaces, problems, missing: false };
}
