/** PromQL words that are not metric names: aggregation modifiers, set and comparison keywords. */
const KEYWORDS = new Set([
  'by',
  'without',
  'on',
  'ignoring',
  'group_left',
  'group_right',
  'and',
  'or',
  'unless',
  'bool',
  'offset',
  'inf',
  'nan',
]);

/**
 * The metric names a PromQL expression reads. Strings, label matchers, label lists after
 * by/without/on/ignoring, range selectors, Grafana variables and durations are removed first;
 * what is left that is not a function call, keyword or number is a metric name.
 */
export function metricNamesIn(expr: string): string[] {
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'/g, '""')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\$\{?\w+\}?/g, ' ');
  const names = new Set<string>();
  for (const match of stripped.matchAll(/[A-Za-z_:][A-Za-z0-9_:]*/g)) {
    const word = match[0];
    const next = stripped.slice(match.index + word.length).trimStart();
    const previous = stripped[match.index - 1] ?? '';
    if (next.startsWith('(') || KEYWORDS.has(word.toLowerCase()) || /[0-9.]/.test(previous)) continue;
    names.add(word);
  }
  return [...names];
}

/** Sample names in a Prometheus text exposition (histogram families give _bucket, _sum and _count). */
export function exposedSampleNames(exposition: string): Set<string> {
  const names = new Set<string>();
  for (const line of exposition.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    names.add(/^[A-Za-z_:][A-Za-z0-9_:]*/.exec(line)![0]);
  }
  return names;
}
