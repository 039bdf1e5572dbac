import { RedisHealthJudge } from './redis-health.judge.js';

describe('RedisHealthJudge', () => {
  const judge = () => new RedisHealthJudge({ failuresToFail: 3 });

  it('is up once the connection is ready', () => {
    const subject = judge();
    expect(subject.healthy).toBe(false);
    expect(subject.connectionReady()).toBe('up');
    expect(subject.healthy).toBe(true);
  });

  it('goes down at once when the connection is lost', () => {
    const subject = judge();
    subject.connectionReady();
    expect(subject.connectionLost('connection closed')).toBe('down');
    expect(subject.reason).toBe('connection closed');
  });

  it('stays up through fewer failed probes in a row than the threshold', () => {
    const subject = judge();
    subject.connectionReady();
    for (let round = 0; round < 5; round++) {
      expect(subject.probeFailed('timeout')).toBeUndefined();
      expect(subject.probeFailed('timeout')).toBeUndefined();
      expect(subject.probeSucceeded()).toBeUndefined();
    }
    expect(subject.healthy).toBe(true);
  });

  it('goes down on the threshold-th failed probe in a row and up on the next answered one', () => {
    const subject = judge();
    subject.connectionReady();
    subject.probeFailed('timeout');
    subject.probeFailed('timeout');
    expect(subject.probeFailed('timeout')).toBe('down');
    expect(subject.reason).toContain('3 health probes in a row failed');
    expect(subject.probeFailed('timeout')).toBeUndefined();
    expect(subject.probeSucceeded()).toBe('up');
  });

  it('does not call Redis up from a probe while the command connection is lost', () => {
    const subject = judge();
    subject.connectionReady();
    subject.connectionLost('connection closed');
    expect(subject.probeSucceeded()).toBeUndefined();
    expect(subject.healthy).toBe(false);
    expect(subject.connectionReady()).toBe('up');
  });
});
