import { readFile } from 'node:fs/promises';
import type { FastifyInstance } from 'fastify';
import type { LogsReport } from '../pipelines/logs/report.js';
import { logsIndexPage, logsReportPage } from './logs-page.js';
import type { LogsReportRow, StoreReader } from './store-reader.js';

/** Reports listed on /logs and /api/v1/logs/reports. */
const REPORTS_LISTED = 500;

// A refusal the console's error handler answers with its status and message (a page, or JSON under /api/).
class NotFound extends Error {
  readonly statusCode = 404;
}

// The logs kind's reports: found through the runs' summaries in the state store, read from their JSON file.
export function logsRoutes(app: FastifyInstance, store: StoreReader): void {
  type One = { Params: { process: string; runId: string } };
  app.get('/logs', async (_req, reply) => reply.type('text/html; charset=utf-8').send(logsIndexPage(store.logsReports(REPORTS_LISTED))));
  app.get<One>('/logs/:process/:runId', async (req, reply) => {
    const { row, report } = await readReport(store, req.params.process, req.params.runId);
    return reply.type('text/html; charset=utf-8').send(logsReportPage(row, report));
  });
  app.get('/api/v1/logs/reports', async () => ({ reports: store.logsReports(REPORTS_LISTED) }));
  app.get<One>('/api/v1/logs/reports/:process/:runId', async (req) => ({ report: (await readReport(store, req.params.process, req.params.runId)).report }));
}

async function readReport(store: StoreReader, process: string, runId: string): Promise<{ row: LogsReportRow; report: LogsReport }> {
  const run = store.run(runId);
  if (!run) throw new NotFound(`no run ${runId} in the state store`);
  const result = run.processes.find((p) => p.name === process && p.type === 'logs');
  const json = result?.reports?.find((path) => path.endsWith('.json'));
  if (!result || !json) throw new NotFound(`no logs report of ${process} in run ${runId}`);
  let text: string;
  try {
    text = await readFile(json, 'utf8');
  } catch (error) {
    throw new NotFound(`the report ${json} cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}): moved or deleted?`);
  }
  try {
    const row: LogsReportRow = { runId, process, startedAt: result.startedAt, status: result.status, ...(result.records ? { records: result.records } : {}), reports: result.reports! };
    return { row, report: JSON.parse(text) as LogsReport };
  } catch (error) {
    throw new NotFound(`the report ${json} is not JSON: ${(error as Error).message}`);
  }
}
