/** What these helpers read of a health issue. */
interface Issue {
  check: string;
  status: string;
}

/** Checks of the shared machine (not of what a test does), which a busy CI host can trip at any moment. */
const LOAD_CHECKS = ['cpu', 'memory', 'event_loop'];

/**
 * The issues are exactly `expected` (each matched as a partial object, in order), plus possibly
 * warnings of the load checks none of `expected` names: those come from the machine, not from the test.
 */
export function expectIssues(issues: Issue[], expected: ({ check: string } & Record<string, unknown>)[]): void {
  const named = new Set(expected.map((issue) => issue.check));
  const fromLoad = (issue: Issue) => LOAD_CHECKS.includes(issue.check) && !named.has(issue.check);
  expect(issues.filter((issue) => !fromLoad(issue))).toEqual(expected.map((issue) => expect.objectContaining(issue)));
  for (const issue of issues.filter(fromLoad)) expect(issue.status).toBe('warn');
}

/** The report's status given issues checked by `expectIssues`: load warnings alone make it degraded. */
export function statusWith(issues: Issue[]): 'healthy' | 'degraded' | 'error' {
  if (issues.some((issue) => issue.status === 'critical')) return 'error';
  return issues.length > 0 ? 'degraded' : 'healthy';
}
