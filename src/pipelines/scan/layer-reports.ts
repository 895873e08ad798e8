import { resolve } from 'node:path';
import type { PipelineLogger } from '../../core/pipeline.js';
import { writeAtomically } from '../../lib/atomic-write.js';
import type { Collected } from './collect.js';
import type { Day } from './day.js';
import { summaryCsv, summaryFile } from './files.js';
import { dayReport, reportFiles } from './report.js';
import { GAUGE_LAYERS, type ScanConfig } from './schema.js';
import type { Interface } from './sources.js';

// Each layer's daily summary (its CSV) and report (a page and its charts), written as soon as the last of its
// interfaces is in, collected or failed, while the next layers are still being fetched: a source file lists a
// layer's interfaces together, so only the last layer's files are left for the end of the run (on 2,000 interfaces
// the five layers' files had cost 0.2 s after the collection). A layer none of whose interfaces came in gets none.
export class LayerReports {
  private readonly left = new Map<string, number>();
  private readonly writing: Array<Promise<void>> = [];
  private readonly files = new Map<string, { html: string; svg: string }>();
  private failure: unknown;

  constructor(
    private readonly config: ScanConfig,
    private readonly day: Day,
    private readonly interfaces: readonly Interface[],
    private readonly collected: ReadonlyMap<Interface, Collected>,
    private readonly log: PipelineLogger,
  ) {
    for (const i of interfaces) this.left.set(i.layer, (this.left.get(i.layer) ?? 0) + 1);
  }

  /** One interface of `layer` is done with, collected or not. */
  done(layer: string): void {
    const left = this.left.get(layer)! - 1;
    this.left.set(layer, left);
    if (left === 0) this.writing.push(this.write(layer).catch((error: unknown) => void (this.failure ??= error)));
  }

  /** The layers' files being written, waited for (their failures are `finish`'s to throw). */
  async settle(): Promise<void> {
    await Promise.all(this.writing);
  }

  /** Once every interface is done with: the files written, html and svg of each layer in the order of `layers`;
   * throws the first failure to write one. */
  async finish(): Promise<string[]> {
    await Promise.all(this.writing);
    if (this.failure) throw this.failure;
    return this.config.layers.flatMap((layer) => {
      const files = this.files.get(layer);
      return files ? [files.html, files.svg] : [];
    });
  }

  private async write(layer: string): Promise<void> {
    const mine = this.interfaces.filter((i) => i.layer === layer && this.collected.has(i)).map((i) => this.collected.get(i)!);
    if (mine.length === 0) return;
    const { config, day } = this;
    await writeAtomically(summaryFile(config.data_dir, layer, day.date), summaryCsv(mine.map((c) => c.summary), GAUGE_LAYERS.has(layer)));
    // Each file replaces the one of an earlier run of the day whole (written beside it, then renamed).
    const files = reportFiles(resolve(config.data_dir), layer, day.date);
    const rows = mine.map((c) => ({ ...c.summary, unit: c.summary.gauge ? ('gauge' as const) : ('bit/s' as const), flat: c.series }));
    const report = dayReport(layer, day, config.timezone, rows);
    await writeAtomically(files.html, report.html);
    await writeAtomically(files.svg, report.svg);
    this.files.set(layer, files);
    this.log.info(`Summarised ${mine.length} interface(s) of ${layer} into ${summaryFile(config.data_dir, layer, day.date)}; its report: ${files.html}.`);
  }
}
