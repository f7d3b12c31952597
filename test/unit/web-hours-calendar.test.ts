/**
 * The services page's calendar of the coming days: the service's exception
 * first, then the flow's own exception, a public holiday, the weekly hours,
 * as the product's opening-hours rule decides a call.
 */
import { describe, expect, it } from 'vitest';
import { addDays, plan } from '../../server/web/services/calendar.js';
import type { HoursNode } from '../../server/web/services/services-api.js';

const node: HoursNode = {
  node: 'oppettider', timezone: 'Europe/Stockholm', holidays: 'sweden',
  weekly: { mon: ['08:00-17:00'], tue: ['08:00-17:00'], wed: ['08:00-12:00', '13:00-17:00'], thu: ['08:00-17:00'], fri: ['08:00-16:00'] },
  exceptions: { '2026-12-10': ['10:00-14:00'] },
  openNow: { open: true, reason: 'hours', explanation: '' },
};
const holidays = [{ date: '2026-12-25', name: 'Juldagen' }];

describe('the coming days of a service', () => {
  it('follows the weekly hours, weekends closed, from the given day', () => {
    const days = plan('2026-12-07', 7, node, [], holidays); // a Monday
    expect(days.map((d) => d.weekday)).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(days[2]).toMatchObject({ date: '2026-12-09', open: [[480, 720], [780, 1020]], reason: { kind: 'weekly' } });
    expect(days[5]!.open).toEqual([]);
    expect(days[3]).toMatchObject({ date: '2026-12-10', open: [[600, 840]], reason: { kind: 'flow-exception' } });
  });

  it('closes on public holidays', () => {
    const [christmas] = plan('2026-12-25', 1, node, [], holidays);
    expect(christmas).toMatchObject({ open: [], reason: { kind: 'holiday', name: 'Juldagen' } });
    expect(plan('2026-12-25', 1, { ...node, holidays: 'none' }, [], holidays)[0]!.open).toEqual([[480, 960]]);
  });

  it("reads the service's exceptions over days, before everything else", () => {
    const exceptions = [
      { date: '2026-12-07', hours: 'closed from 15:00', note: 'personalmöte' },
      { date: '2026-12-08', until: '2026-12-09', hours: 'closed' },
      { date: '2026-12-10', hours: 'open until 12:30' },
      { date: '2026-12-11', hours: 'open 09:00-11:00' },
      { date: '2026-12-25', hours: 'open 10:00-12:00' },
    ];
    const days = plan('2026-12-07', 5, node, exceptions, holidays);
    expect(days.map((d) => d.open)).toEqual([[[480, 900]], [], [], [[480, 750]], [[540, 660]]]);
    expect(days[0]!.reason).toEqual({ kind: 'exception', exception: exceptions[0] });
    expect(plan('2026-12-25', 1, node, exceptions, holidays)[0]!.open).toEqual([[600, 720]]);
  });

  it('counts days across months and years', () => {
    expect(addDays('2026-12-30', 3)).toBe('2027-01-02');
    expect(plan('2026-12-30', 4, node, [], []).map((d) => d.date)).toEqual(['2026-12-30', '2026-12-31', '2027-01-01', '2027-01-02']);
  });
});
