/** The reports on the contact records (server/api/reports-routes.ts). */
import { API, call } from './api.js';
import type { Report, ReportRequest } from '../stats/report.js';

export type { Report, ReportRequest };

const query = (r: ReportRequest): string =>
  `from=${encodeURIComponent(r.from)}&to=${encodeURIComponent(r.to)}&interval=${r.interval}&groupBy=${r.groupBy}`;

export const readReport = (r: ReportRequest): Promise<Report> => call('GET', `/reports/contacts?${query(r)}`);

/** The same report as a CSV file, for a download link. */
export const reportCsvUrl = (r: ReportRequest): string => `${API}/reports/contacts?${query(r)}&format=csv`;
