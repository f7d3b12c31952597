/**
 * A report as CSV (RFC 4180): a header row of the JSON's field names, one
 * row per interval and group, comma-separated, decimal point, ISO times,
 * UTF-8, CRLF line ends; an empty cell where the JSON has null. Pauses by
 * reason get a column each, `pauseSeconds:<reason>`.
 */
import type { Report, ReportRow } from '../stats/report.js';

const FIGURES = [
  'offered', 'answered', 'answeredInTarget', 'abandoned', 'shortAbandoned', 'serviceLevel',
  'averageSpeedOfAnswerSeconds', 'averageWaitSeconds', 'longestWaitSeconds', 'averageHandlingSeconds', 'handlingSeconds',
  'callbacksRequested', 'callbacksCompleted', 'deflections', 'transfers', 'overflows',
] as const satisfies ReadonlyArray<keyof ReportRow>;

const AGENT_FIGURES = ['missedOffers', 'occupancy'] as const satisfies ReadonlyArray<keyof ReportRow>;

/** A text cell quoted when it must be; one a spreadsheet would run as a formula gets a leading apostrophe. */
function textCell(value: string): string {
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

const numberCell = (value: number | null | undefined): string => (value === null || value === undefined ? '' : String(value));

export function reportCsv(report: Report): string {
  const byAgent = report.groupBy === 'agent';
  const reasons = byAgent ? [...new Set(report.rows.flatMap((r) => Object.keys(r.pauseSecondsByReason ?? {})))].sort() : [];
  const header = ['start', 'group', ...FIGURES, ...(byAgent ? AGENT_FIGURES : []), ...reasons.map((r) => `pauseSeconds:${r}`)];
  const lines = [header.map(textCell).join(',')];
  for (const row of report.rows) {
    lines.push([
      row.start, textCell(row.group),
      ...FIGURES.map((f) => numberCell(row[f])),
      ...(byAgent ? AGENT_FIGURES.map((f) => numberCell(row[f])) : []),
      ...reasons.map((r) => numberCell(row.pauseSecondsByReason?.[r] ?? 0)),
    ].join(','));
  }
  return `${lines.join('\r\n')}\r\n`;
}
