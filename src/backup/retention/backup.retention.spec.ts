import { planRetention, type RetentionCandidate } from './backup.retention.js';

const now = new Date('2024-06-30T12:00:00Z');
const daysAgo = (days: number, verified = true): RetentionCandidate => ({
  stem: `b${String(days).padStart(3, '0')}`,
  time: new Date(now.getTime() - days * 24 * 3600 * 1000),
  verified,
});

describe('planRetention', () => {
  it('deletes what is older than the period, keeping the newest N verified whatever their age', () => {
    const candidates = [0, 1, 3, 6, 8, 10, 15, 30, 90, 365].map((days) => daysAgo(days));
    const plan = planRetention(candidates, { now, retentionDays: 7, keepLast: 7 });
    expect(plan.keep).toEqual(['b000', 'b001', 'b003', 'b006', 'b008', 'b010', 'b015']);
    expect(plan.remove).toEqual(['b030', 'b090', 'b365']);
  });

  it('counts only verified backups towards the newest N', () => {
    const candidates = [daysAgo(1, false), daysAgo(10, false), daysAgo(11, true), daysAgo(12, false), daysAgo(13, true), daysAgo(14, true)];
    const plan = planRetention(candidates, { now, retentionDays: 7, keepLast: 2 });
    expect(plan.keep).toEqual(['b001', 'b011', 'b013']);
    expect(plan.remove).toEqual(['b010', 'b012', 'b014']);
  });

  it('never deletes the newest backup, even when every backup is old and none is verified', () => {
    const plan = planRetention([daysAgo(40, false), daysAgo(50, false)], { now, retentionDays: 7, keepLast: 7 });
    expect(plan.keep).toEqual(['b040']);
    expect(plan.remove).toEqual(['b050']);
  });

  it('keeps everything inside the period, at the exact boundary too', () => {
    const plan = planRetention([daysAgo(7, false), daysAgo(2, false)], { now, retentionDays: 7, keepLast: 1 });
    expect(plan.remove).toEqual([]);
  });

  it('orders backups of the same second by name, the later name being the newer', () => {
    const time = new Date(now.getTime() - 30 * 24 * 3600 * 1000);
    const plan = planRetention(
      [
        { stem: 'b1', time, verified: false },
        { stem: 'b2', time, verified: false },
      ],
      { now, retentionDays: 7, keepLast: 0 },
    );
    expect(plan).toEqual({ keep: ['b2'], remove: ['b1'] });
  });

  it('plans nothing for no backups', () => {
    expect(planRetention([], { now, retentionDays: 7, keepLast: 7 })).toEqual({ keep: [], remove: [] });
  });
});
