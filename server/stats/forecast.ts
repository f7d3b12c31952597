/**
 * Forecast of volume and handling time per interval for the coming days,
 * from the history of the same weekday and interval in recent weeks.
 *
 * For a day D and interval s the forecast is a weighted mean over the weeks
 * before D: calls(D, s) = Σ w_k · calls(D - 7k, s) / Σ w_k, with
 * w_k = decay^(k-1), so last week counts most. Handling time is the same
 * mean weighted also by each interval's calls (an AHT over few calls counts
 * little). Swedish public holidays (and the closed eves) are not normal days:
 * they are left out of the history, and a holiday in the forecast horizon is
 * forecast as its weekday but flagged with its name, for the planner to
 * adjust. A day absent from the history (closed, or before it starts) is not
 * a zero: it is left out too; an interval absent on a day that is present
 * had no calls.
 *
 * Input is a plain series (one row per day and interval with calls), so
 * whatever keeps the contact records can feed it.
 */
import { swedishHoliday } from '../ivr/holidays.js';
import { clockLabel, dateOfDay, dayNumber, minuteOfDay } from './civil-time.js';

export interface HistoryInterval {
  /** Civil date "YYYY-MM-DD". */
  date: string;
  /** Start of the interval "HH:MM". */
  start: string;
  /** Calls offered. */
  calls: number;
  /** Mean handling time (talk + hold + wrap-up) of the interval's calls, seconds; may be absent with no calls. */
  ahtSeconds?: number;
}

export interface ForecastInput {
  history: HistoryInterval[];
  /** Length of the forecast's intervals: 15, 30 or 60; history in shorter intervals is summed into them. */
  intervalMinutes: 15 | 30 | 60;
  /** First day to forecast, "YYYY-MM-DD". */
  from: string;
  /** Number of days to forecast. */
  days: number;
  /** How many weeks back to look (default 8). */
  weeks?: number;
  /** Weight of each further week back relative to the one after it, 0..1 (default 0.8). */
  decay?: number;
}

export interface ForecastInterval {
  date: string;
  start: string;
  calls: number;
  /** Undefined when the weeks it rests on had no calls in this interval. */
  ahtSeconds?: number;
}

export interface ForecastDay {
  date: string;
  /** The holiday's name when the day is a Swedish public holiday or closed eve. */
  holiday?: string;
  /** The history days it rests on (same weekday, no holidays), most recent first. */
  basedOn: string[];
  intervals: ForecastInterval[];
}

interface Bin {
  calls: number;
  /** Σ calls × AHT, for the calls-weighted mean. */
  handle: number;
}

/** History summed into the forecast's intervals: day → interval start (minutes) → bin. */
function binHistory(history: HistoryInterval[], intervalMinutes: number): Map<number, Map<number, Bin>> {
  const days = new Map<number, Map<number, Bin>>();
  history.forEach((row, i) => {
    const where = `history[${i}]`;
    const day = dayNumber(row.date);
    const minute = minuteOfDay(row.start);
    if (!Number.isFinite(row.calls) || row.calls < 0) throw new RangeError(`${where}.calls must be >= 0, got ${String(row.calls)}`);
    if (row.calls > 0 && (row.ahtSeconds === undefined || !Number.isFinite(row.ahtSeconds) || row.ahtSeconds < 0)) {
      throw new RangeError(`${where}.ahtSeconds must be >= 0 when there are calls`);
    }
    const start = minute - (minute % intervalMinutes);
    const bins = days.get(day) ?? new Map<number, Bin>();
    days.set(day, bins);
    const bin = bins.get(start) ?? { calls: 0, handle: 0 };
    bins.set(start, bin);
    bin.calls += row.calls;
    bin.handle += row.calls * (row.ahtSeconds ?? 0);
  });
  return days;
}

interface WeightedDay {
  day: number;
  weight: number;
  bins: Map<number, Bin>;
}

/** Per interval start: calls averaged with the days' weights, AHT weighted also by calls. */
function weightedMeanDay(basis: WeightedDay[]): Omit<ForecastInterval, 'date'>[] {
  const totalWeight = basis.reduce((s, b) => s + b.weight, 0);
  const starts = [...new Set(basis.flatMap((b) => [...b.bins.keys()]))].sort((x, y) => x - y);
  return starts.map((start) => {
    let calls = 0;
    let handle = 0;
    for (const b of basis) {
      const bin = b.bins.get(start);
      calls += b.weight * (bin?.calls ?? 0);
      handle += b.weight * (bin?.handle ?? 0);
    }
    return { start: clockLabel(start), calls: calls / totalWeight, ...(calls > 0 ? { ahtSeconds: handle / calls } : {}) };
  });
}

function checkIntervalMinutes(intervalMinutes: number): void {
  if (![15, 30, 60].includes(intervalMinutes)) throw new RangeError(`intervalMinutes must be 15, 30 or 60, got ${String(intervalMinutes)}`);
}

/**
 * The average day of a period of history, per interval: what a what-if runs
 * on when it asks "on a normal day of ours". Holidays are left out; so are
 * days of other weekdays when `weekdays` is given (0 = Sunday ... 6 = Saturday).
 */
export function averageDay(input: { history: HistoryInterval[]; intervalMinutes: 15 | 30 | 60; weekdays?: number[] }): {
  basedOn: string[];
  intervals: Omit<ForecastInterval, 'date'>[];
} {
  checkIntervalMinutes(input.intervalMinutes);
  const basis: WeightedDay[] = [...binHistory(input.history, input.intervalMinutes)]
    .filter(([day]) => !swedishHoliday(dateOfDay(day)) && (input.weekdays === undefined || input.weekdays.includes((day + 4) % 7)))
    .sort(([x], [y]) => x - y)
    .map(([day, bins]) => ({ day, weight: 1, bins }));
  return { basedOn: basis.map((b) => dateOfDay(b.day)), intervals: weightedMeanDay(basis) };
}

/** Forecast per day and interval for `days` days from `from`. */
export function forecast(input: ForecastInput): ForecastDay[] {
  const weeks = input.weeks ?? 8;
  const decay = input.decay ?? 0.8;
  checkIntervalMinutes(input.intervalMinutes);
  if (!Number.isInteger(input.days) || input.days < 1 || input.days > 366) throw new RangeError(`days must be a whole number 1..366, got ${String(input.days)}`);
  if (!Number.isInteger(weeks) || weeks < 1) throw new RangeError(`weeks must be a whole number >= 1, got ${String(weeks)}`);
  if (!Number.isFinite(decay) || decay <= 0 || decay > 1) throw new RangeError(`decay must be in (0, 1], got ${String(decay)}`);
  const history = binHistory(input.history, input.intervalMinutes);
  const first = dayNumber(input.from);

  return Array.from({ length: input.days }, (_, d) => {
    const day = first + d;
    const date = dateOfDay(day);
    const holiday = swedishHoliday(date)?.name;
    const basis: WeightedDay[] = [];
    for (let k = 1; k <= weeks; k++) {
      const past = day - 7 * k;
      const bins = history.get(past);
      if (bins && !swedishHoliday(dateOfDay(past))) basis.push({ day: past, weight: decay ** (k - 1), bins });
    }
    const intervals = weightedMeanDay(basis).map((iv) => ({ date, ...iv }));
    return { date, ...(holiday === undefined ? {} : { holiday }), basedOn: basis.map((b) => dateOfDay(b.day)), intervals };
  });
}

export interface IntervalError {
  date: string;
  start: string;
  forecast: number;
  actual: number;
  /** |forecast - actual| / actual; undefined when nothing was offered. */
  absolutePercentageError?: number;
}

export interface ForecastAccuracy {
  intervals: IntervalError[];
  /** Mean absolute percentage error over the intervals with calls. */
  mape: number;
  /** Weighted absolute percentage error: Σ|forecast - actual| / Σ actual (busy intervals weigh more). */
  wape: number;
}

/**
 * Forecast against outcome per interval, the outcome in the forecast's own
 * intervals. Every interval of either side counts (one missing on a side is 0
 * there); holidays are left out when `skipHolidays`.
 */
export function forecastAccuracy(days: ForecastDay[], actual: HistoryInterval[], opts: { skipHolidays?: boolean } = {}): ForecastAccuracy {
  const key = (date: string, start: string): string => `${date} ${start}`;
  const forecastByKey = new Map<string, number>();
  for (const day of days) {
    if (opts.skipHolidays && day.holiday !== undefined) continue;
    for (const iv of day.intervals) forecastByKey.set(key(iv.date, iv.start), iv.calls);
  }
  const forecastDates = new Set(days.filter((d) => !(opts.skipHolidays && d.holiday !== undefined)).map((d) => d.date));
  const actualByKey = new Map<string, number>();
  for (const row of actual) {
    if (!forecastDates.has(row.date)) continue;
    const k = key(row.date, row.start);
    actualByKey.set(k, (actualByKey.get(k) ?? 0) + row.calls);
  }
  const keys = [...new Set([...forecastByKey.keys(), ...actualByKey.keys()])].sort();
  const intervals = keys.map((k): IntervalError => {
    const [date, start] = k.split(' ') as [string, string];
    const f = forecastByKey.get(k) ?? 0;
    const a = actualByKey.get(k) ?? 0;
    return { date, start, forecast: f, actual: a, ...(a > 0 ? { absolutePercentageError: Math.abs(f - a) / a } : {}) };
  });
  const withCalls = intervals.filter((iv) => iv.absolutePercentageError !== undefined);
  const totalActual = intervals.reduce((s, iv) => s + iv.actual, 0);
  return {
    intervals,
    mape: withCalls.length === 0 ? 0 : withCalls.reduce((s, iv) => s + iv.absolutePercentageError!, 0) / withCalls.length,
    wape: totalActual === 0 ? 0 : intervals.reduce((s, iv) => s + Math.abs(iv.forecast - iv.actual), 0) / totalActual,
  };
}
