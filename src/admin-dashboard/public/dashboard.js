// The live admin dashboard. It signs in with the admin login, then reads the admin-only event
// stream with fetch() and a streaming reader: EventSource cannot send the Authorization header,
// and the token must never go into a URL (logs, history, Referer). Every text from the server is
// inserted with textContent, never as markup.

const LOGIN_URL = '/api/v1/auth/login';
const STREAM_URL = '/api/v1/admin/metrics/stream';
const TOKEN_KEY = 'mentorhub.dashboard.token';
const MAX_BACKOFF_MS = 30_000;
const CHART_POINTS = 120;

const $ = (id) => document.getElementById(id);

class AuthError extends Error {
  constructor(status) {
    super(`HTTP ${status}`);
    this.status = status;
  }
}

// ---- formatting -------------------------------------------------------------------------

const number = (value, digits = 0) =>
  typeof value === 'number' && Number.isFinite(value)
    ? value.toLocaleString(undefined, { minimumFractionDigits: digits, maximumFractionDigits: digits })
    : '—';

const percent = (value, digits = 1) => (typeof value === 'number' ? `${number(value, digits)} %` : '—');

function bytes(value) {
  if (typeof value !== 'number') return '—';
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let size = value;
  let unit = 0;
  while (size >= 1024 && unit < units.length - 1) {
    size /= 1024;
    unit++;
  }
  return `${number(size, unit === 0 ? 0 : 1)} ${units[unit]}`;
}

function duration(ms) {
  if (typeof ms !== 'number') return '—';
  if (ms < 1000) return `${number(ms, 0)} ms`;
  const seconds = ms / 1000;
  if (seconds < 120) return `${number(seconds, 1)} s`;
  const minutes = seconds / 60;
  if (minutes < 120) return `${number(minutes, 0)} min`;
  const hours = minutes / 60;
  if (hours < 48) return `${number(hours, 1)} h`;
  return `${number(hours / 24, 1)} d`;
}

const time = (iso) => (iso ? new Date(iso).toLocaleString() : '—');

// ---- small DOM helpers --------------------------------------------------------------------

function text(id, value) {
  const element = $(id);
  if (element.textContent !== value) element.textContent = value;
}

function badge(id, label, tone) {
  const element = $(id);
  element.textContent = label;
  element.className = `badge badge-${tone}`;
}

function cell(value, className) {
  const td = document.createElement('td');
  if (className) td.className = className;
  td.textContent = value;
  return td;
}

/** Text that may wrap only after its separators (a path after `/`, a file name after `_`), never inside a word. */
function breakable(value, separator) {
  return value
    .split(separator)
    .flatMap((part, index, parts) => (index < parts.length - 1 ? [part + separator, document.createElement('wbr')] : [part]));
}

function endpointCell(method, endpoint) {
  const td = document.createElement('td');
  td.className = 'endpoint';
  const verb = document.createElement('span');
  verb.className = 'method';
  verb.textContent = method;
  td.append(verb, ...breakable(endpoint, '/'));
  return td;
}

// ---- the page's repeated parts, built once from the markup's data attributes ------------------

/** `id=Label (hint)` entries separated by `;`: the label, and its hint in small print. */
function entries(list) {
  return list.split(';').map((entry) => {
    const [id, label] = entry.split('=');
    const [, name, hint] = /^(.*?)(?: (\(.*\)))?$/.exec(label);
    const dt = document.createElement('dt');
    dt.append(name);
    if (hint) {
      const small = document.createElement('small');
      small.textContent = hint;
      dt.append(' ', small);
    }
    return { id, dt };
  });
}

function pair(dt, ...content) {
  const dd = document.createElement('dd');
  dd.append(...content);
  const div = document.createElement('div');
  div.append(dt, dd);
  return { div, dd };
}

function buildPage() {
  for (const list of document.querySelectorAll('dl[data-figures]')) {
    list.replaceChildren(
      ...entries(list.dataset.figures).map(({ id, dt }) => {
        const { div, dd } = pair(dt, '—');
        dd.id = id;
        return div;
      }),
    );
  }
  for (const list of document.querySelectorAll('dl[data-meters]')) {
    list.replaceChildren(
      ...entries(list.dataset.meters).map(({ id, dt }) => {
        const meter = Object.assign(document.createElement('meter'), {
          id: `${id}-meter`,
          min: 0,
          max: 100,
          low: 70,
          high: 90,
          optimum: 0,
        });
        const value = Object.assign(document.createElement('span'), { id, textContent: '—' });
        return pair(dt, meter, ' ', value).div;
      }),
    );
  }
  for (const table of document.querySelectorAll('table[data-columns]')) {
    const row = document.createElement('tr');
    for (const [index, label] of table.dataset.columns.split('|').entries()) {
      const th = Object.assign(document.createElement('th'), { scope: 'col', textContent: label });
      if (index > 0) th.className = 'num';
      row.append(th);
    }
    table.createTHead().append(row);
  }
}

function emptyRow(columns, message) {
  const row = document.createElement('tr');
  const td = cell(message, 'empty');
  td.colSpan = columns;
  row.append(td);
  return row;
}

// ---- rendering ------------------------------------------------------------------------------

const HEALTH_TONE = { healthy: 'ok', degraded: 'warn', error: 'bad' };

function renderHealth(health) {
  badge('health-status', health.status, HEALTH_TONE[health.status] ?? 'idle');
  const items = health.issues.map((issue) => {
    const li = document.createElement('li');
    const name = document.createElement('strong');
    name.textContent = `${issue.check} (${issue.status})`;
    li.append(name, `: ${issue.message}`);
    return li;
  });
  if (items.length === 0) {
    const li = document.createElement('li');
    li.className = 'empty';
    li.textContent = 'No issues';
    items.push(li);
  }
  $('health-issues').replaceChildren(...items);
}

function renderTraffic(application) {
  text('request-rate', number(application.requests_per_second, 2));
  text('error-rate', percent(application.recent_window?.error_rate_percent, 2));
  text('total-requests', number(application.total_requests));
  text('total-errors', `${number(application.total_errors)} / ${number(application.total_client_errors)}`);
}

function renderSystem(system, uptimeSeconds) {
  $('cpu-meter').value = system.cpu_percent;
  $('memory-meter').value = system.memory_percent;
  $('disk-meter').value = system.disk_percent;
  text('cpu', percent(system.cpu_percent));
  text('memory', `${percent(system.memory_percent)} of ${number(system.memory_total_mb)} MB`);
  text('disk', `${percent(system.disk_percent)} of ${number(system.disk_total_gb, 1)} GB`);
  text('event-loop', `${number(system.event_loop_lag_ms, 1)} ms (p99 ${number(system.event_loop_lag_p99_ms, 1)} ms)`);
  text('process', `${percent(system.process_cpu_percent)} CPU · ${number(system.process_memory?.rss_mb)} MB RSS`);
  text('uptime', duration(uptimeSeconds * 1000));
}

function renderCache(cache) {
  if (!cache) return;
  text('cache-store', cache.store === 'redis' ? 'Redis' : 'in-memory');
  text('cache-redis', !cache.redis_configured ? 'not configured' : cache.redis_healthy ? 'up' : 'down (memory fallback)');
  text('cache-hit-ratio', cache.hits + cache.misses === 0 ? '—' : percent(cache.hit_rate_percent));
  text('cache-hits', `${number(cache.hits)} / ${number(cache.misses)}`);
  text('cache-fallbacks', `${number(cache.fallbacks)} / ${number(cache.errors)}`);
}

function renderBackup(backup) {
  if (!backup) return;
  const last = backup.lastSuccess;
  if (!backup.enabled) badge('backup-stale', 'schedule off', 'idle');
  else if (backup.stale) badge('backup-stale', 'stale', 'bad');
  else badge('backup-stale', 'fresh', 'ok');
  text('backup-last', last ? time(last.at) : 'none yet');
  const name = last?.name ?? '—';
  if ($('backup-name').textContent !== name) $('backup-name').replaceChildren(...breakable(name, '_'));
  text('backup-size', last ? `${bytes(last.sizeBytes)} in ${duration(last.durationMs)}` : '—');
  text('backup-age', backup.ageMs === null ? '—' : duration(backup.ageMs));
  text('backup-verified', time(backup.lastVerifiedAt));
  text('backup-failure', backup.lastFailure ? `${time(backup.lastFailure.at)} (${backup.lastFailure.stage})` : 'none');
  text('backup-next', backup.running ? `running: ${backup.running}` : time(backup.nextRunAt));
}

function renderCluster(metrics) {
  const { cluster, instances } = metrics;
  if (!cluster) return;
  if (cluster.scope === 'cluster') badge('cluster-scope', `${instances.length} live`, 'ok');
  else badge('cluster-scope', 'this replica only', cluster.redis === 'unavailable' ? 'bad' : 'idle');
  text('cluster-message', cluster.message);
  const rows = instances.map((entry) => {
    const row = document.createElement('tr');
    const name = cell(entry.instance, 'endpoint');
    if (entry.instance === metrics.instance)
      name.append(' ', Object.assign(document.createElement('small'), { className: 'muted', textContent: '(answering)' }));
    row.append(
      name,
      cell(number(entry.total_requests), 'num'),
      cell(number(entry.requests_per_second, 2), 'num'),
      cell(new Date(entry.last_seen).toLocaleTimeString(), 'num'),
    );
    return row;
  });
  $('instances').replaceChildren(...rows);
  text('instance', metrics.instance);
  const build = metrics.build;
  text('build', build ? `${build.version} (${build.revision}, Node ${build.node_version})` : '—');
}

function renderEndpoints(metrics) {
  const byKey = new Map(metrics.endpoints.map((e) => [`${e.method} ${e.endpoint}`, e]));
  const popular = metrics.popular_endpoints.map((entry) => {
    const stats = byKey.get(`${entry.method} ${entry.endpoint}`);
    const row = document.createElement('tr');
    row.append(
      endpointCell(entry.method, entry.endpoint),
      cell(number(entry.calls), 'num'),
      cell(number(stats?.p50_ms, 1), 'num'),
      cell(number(stats?.p95_ms, 1), 'num'),
      cell(number(stats?.p99_ms, 1), 'num'),
    );
    return row;
  });
  $('popular-endpoints').replaceChildren(...(popular.length ? popular : [emptyRow(5, 'No requests yet')]));

  const slow = metrics.slow_endpoints.map((entry) => {
    const row = document.createElement('tr');
    row.append(
      endpointCell(entry.method, entry.endpoint),
      cell(number(entry.count), 'num'),
      cell(number(entry.avg_ms, 1), 'num'),
      cell(number(entry.p95_ms, 1), 'num'),
      cell(number(entry.max_ms, 1), 'num'),
    );
    return row;
  });
  $('slow-endpoints').replaceChildren(...(slow.length ? slow : [emptyRow(5, 'None above the threshold')]));
}

// ---- the traffic chart: per-interval rates computed from the running totals ------------------

let chart = null;
let previous = null;

function createChart() {
  return new window.Chart($('traffic-chart'), {
    type: 'line',
    data: {
      labels: [],
      datasets: [
        { label: 'requests/s', data: [], yAxisID: 'y', borderColor: '#2457c5', backgroundColor: '#2457c5', pointRadius: 0 },
        { label: '5xx %', data: [], yAxisID: 'y1', borderColor: '#b42318', backgroundColor: '#b42318', pointRadius: 0 },
      ],
    },
    options: {
      animation: false,
      responsive: true,
      maintainAspectRatio: false,
      interaction: { mode: 'index', intersect: false },
      scales: {
        x: { ticks: { maxTicksLimit: 4, maxRotation: 0 } },
        y: { beginAtZero: true, title: { display: true, text: 'req/s' } },
        y1: {
          position: 'right',
          beginAtZero: true,
          suggestedMax: 5,
          title: { display: true, text: '5xx %' },
          grid: { drawOnChartArea: false },
        },
      },
      plugins: { legend: { labels: { boxWidth: 12 } } },
    },
  });
}

function pushChartPoint(metrics) {
  const at = Date.parse(metrics.timestamp);
  const application = metrics.application;
  // Totals compare only within one counting: the same answering replica, view and reset. A stream
  // that reconnects to another replica (or falls back to one replica's view) starts a new baseline
  // instead of drawing the difference between two countings as a spike.
  const counting = `${metrics.instance} ${metrics.cluster?.scope} ${application.since}`;
  const totals = { at, counting, requests: application.total_requests, errors: application.total_errors };
  const last = previous;
  previous = totals;
  // The first snapshot of a counting, or one after a metrics reset, gives no interval to compute a rate over.
  if (!last || last.counting !== counting || totals.requests < last.requests || at <= last.at) return;
  const requests = totals.requests - last.requests;
  const errors = totals.errors - last.errors;
  chart ??= createChart();
  // 24-hour labels without a day period: they stay narrow enough for a phone-width axis.
  chart.data.labels.push(new Date(at).toLocaleTimeString([], { hour12: false }));
  chart.data.datasets[0].data.push(Math.round((requests / ((at - last.at) / 1000)) * 100) / 100);
  chart.data.datasets[1].data.push(requests ? Math.round((errors / requests) * 10_000) / 100 : 0);
  if (chart.data.labels.length > CHART_POINTS) {
    chart.data.labels.shift();
    for (const dataset of chart.data.datasets) dataset.data.shift();
  }
  chart.update('none');
}

function render(snapshot) {
  const { metrics, health } = snapshot;
  renderHealth(health);
  renderTraffic(metrics.application);
  renderSystem(metrics.system, metrics.uptime_seconds);
  renderCache(metrics.cache);
  renderBackup(metrics.backup);
  renderCluster(metrics);
  renderEndpoints(metrics);
  pushChartPoint(metrics);
  text('updated', new Date(metrics.timestamp).toLocaleTimeString());
  text('sequence', `#${snapshot.sequence}`);
}

// ---- the event stream ---------------------------------------------------------------------

/** Reads text/event-stream lines one by one; calls onEvent for each `snapshot` event, onRetry for a retry hint. */
function eventStreamParser(onEvent, onRetry) {
  let type = '';
  let data = [];
  return (raw) => {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (line === '') {
      if (data.length && (type === 'snapshot' || type === '')) onEvent(JSON.parse(data.join('\n')));
      type = '';
      data = [];
      return;
    }
    if (line.startsWith(':')) return;
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    const content = colon === -1 ? '' : line.slice(colon + 1).replace(/^ /, '');
    if (field === 'data') data.push(content);
    else if (field === 'event') type = content;
    else if (field === 'retry' && /^\d+$/.test(content)) onRetry(Number(content));
  };
}

/** Opens the stream and feeds its body, line by line, to the event parser. */
async function readStream(token, signal, onOpen, onEvent, onRetry) {
  const response = await fetch(STREAM_URL, {
    headers: { authorization: `Bearer ${token}`, accept: 'text/event-stream' },
    cache: 'no-store',
    signal,
  });
  if (response.status === 401 || response.status === 403) throw new AuthError(response.status);
  if (!response.ok || !response.body) throw new Error(`The stream answered HTTP ${response.status}`);
  onOpen();
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  const parseLine = eventStreamParser(onEvent, onRetry);
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += value;
    const lines = buffer.split('\n');
    buffer = lines.pop();
    lines.forEach(parseLine);
  }
}

const state = { token: null, controller: null, retryMs: 2000 };

function setConnection(label, tone) {
  badge('connection', label, tone);
}

function showSignIn(message) {
  $('dashboard').hidden = true;
  $('sign-out').hidden = true;
  $('sign-in').hidden = false;
  text('sign-in-message', message ?? '');
  setConnection('signed out', 'idle');
  $('email').focus();
}

function showDashboard() {
  $('sign-in').hidden = true;
  $('dashboard').hidden = false;
  $('sign-out').hidden = false;
}

function signOut(message) {
  sessionStorage.removeItem(TOKEN_KEY);
  state.token = null;
  state.controller?.abort();
  showSignIn(message);
}

const sleep = (ms, signal) =>
  new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => {
      clearTimeout(timer);
      resolve();
    });
  });

/** Keeps one stream open while signed in; reconnects with exponential backoff and jitter. */
async function run(token) {
  let attempt = 0;
  while (state.token === token) {
    const controller = new AbortController();
    state.controller = controller;
    // A stream that goes quiet (a half-open connection) is dropped and reopened.
    let watchdog;
    const feed = (intervalMs) => {
      clearTimeout(watchdog);
      watchdog = setTimeout(() => controller.abort(), Math.max(intervalMs * 3, 10_000));
    };
    setConnection('connecting…', 'warn');
    try {
      feed(0);
      await readStream(
        token,
        controller.signal,
        () => {
          showDashboard();
          setConnection('live', 'ok');
        },
        (snapshot) => {
          attempt = 0;
          feed(snapshot.interval_ms);
          render(snapshot);
        },
        (retryMs) => (state.retryMs = retryMs),
      );
    } catch (error) {
      if (error instanceof AuthError) {
        clearTimeout(watchdog);
        signOut(error.status === 403 ? 'This account is not an admin.' : 'Your session has expired: sign in again.');
        return;
      }
    } finally {
      clearTimeout(watchdog);
    }
    if (state.token !== token) return;
    setConnection('disconnected', 'bad');
    const delay = Math.min(state.retryMs * 2 ** attempt, MAX_BACKOFF_MS) * (0.75 + Math.random() * 0.5);
    attempt++;
    const wait = new AbortController();
    state.controller = wait;
    await sleep(delay, wait.signal);
  }
}

function start(token) {
  state.token = token;
  previous = null;
  void run(token);
}

async function signIn(event) {
  event.preventDefault();
  const form = event.currentTarget;
  const button = form.querySelector('button');
  button.disabled = true;
  text('sign-in-message', '');
  try {
    const response = await fetch(LOGIN_URL, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: $('email').value, password: $('password').value }),
    });
    if (response.status === 401) return text('sign-in-message', 'Wrong email or password.');
    if (response.status === 429) {
      const seconds = response.headers.get('retry-after');
      return text('sign-in-message', `Too many attempts: try again${seconds ? ` in ${seconds} s` : ' later'}.`);
    }
    if (!response.ok) return text('sign-in-message', `Sign-in failed (HTTP ${response.status}).`);
    const { access_token: token } = await response.json();
    sessionStorage.setItem(TOKEN_KEY, token);
    $('password').value = '';
    start(token);
  } catch {
    text('sign-in-message', 'The API cannot be reached.');
  } finally {
    button.disabled = false;
  }
}

buildPage();
$('sign-in-form').addEventListener('submit', (event) => void signIn(event));
$('sign-out').addEventListener('click', () => signOut());

const saved = sessionStorage.getItem(TOKEN_KEY);
if (saved) start(saved);
else showSignIn();
