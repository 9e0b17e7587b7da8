// The live dashboard at /dashboard: polls /api/stats (and /metrics when the server has it) every second and
// draws the last five minutes as SVG line charts. /api answers loopback callers, or callers with the API key.
const $ = (id) => document.getElementById(id);
const keyName = 'actorpush.dashboard.key';
const history = 300; // seconds kept in the charts
const series = { connections: [], deliveries: [], in: [], bytes: [] };
const meanings = {
  1000: 'normal close', 1001: 'server shutting down', 1002: 'protocol error', 1006: 'connection lost', 1007: 'invalid UTF-8',
  1009: 'message too big', 1011: 'internal error', 4003: 'kicked', 4008: 'slow consumer', 4029: 'rate limited',
};
let previous = null;

function headers() {
  const key = sessionStorage.getItem(keyName);
  return key ? { Authorization: 'Bearer ' + key } : {};
}

$('key-form').onsubmit = (event) => {
  event.preventDefault();
  sessionStorage.setItem(keyName, $('key').value);
  $('key').value = '';
  tick();
};

const format = (n) => (n >= 1e6 ? (n / 1e6).toFixed(1) + 'M' : n >= 1e4 ? (n / 1e3).toFixed(1) + 'k' : String(Math.round(n)));

// Prometheus text format: name{labels} value. Returns [{ name, labels, value }].
function parseMetrics(text) {
  const samples = [];
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][\w:]*)(\{([^}]*)\})?\s+(\S+)/.exec(line);
    if (!match) continue;
    const labels = {};
    for (const pair of (match[3] || '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[pair[1]] = pair[2];
    samples.push({ name: match[1], labels, value: Number(match[4]) });
  }
  return samples;
}

const sum = (samples, prefix, suffix = '') =>
  samples.filter((s) => s.name.startsWith(prefix) && s.name.endsWith(suffix)).reduce((total, s) => total + s.value, 0);

async function readMetrics() {
  try {
    const response = await fetch('/metrics', { headers: headers(), cache: 'no-store' });
    if (!response.ok) return null;
    return parseMetrics(await response.text());
  } catch {
    return null;
  }
}

async function tick() {
  let stats;
  try {
    const response = await fetch('/api/stats', { headers: headers(), cache: 'no-store' });
    if (response.status === 401 || response.status === 403) {
      $('key-panel').hidden = false;
      const body = await response.json().catch(() => ({}));
      $('status').textContent = `/api/stats: ${response.status} ${body.error || ''}`;
      return;
    }
    if (!response.ok) throw new Error(`/api/stats: ${response.status}`);
    stats = await response.json();
  } catch (error) {
    $('status').textContent = `${error.message}: the server may be down; retrying every second`;
    return;
  }
  $('status').textContent = '';
  $('key-panel').hidden = true;
  const metrics = await readMetrics();
  const now = performance.now();
  const bytesSent = metrics ? sum(metrics, 'actorpush_socket_sent', 'bytes_total') || sum(metrics, 'actorpush_socket_sent') : null;
  const rates = { deliveries: 0, in: 0, bytes: null };
  if (previous) {
    const seconds = Math.max(0.001, (now - previous.at) / 1000);
    rates.deliveries = Math.max(0, (stats.messagesOut - previous.stats.messagesOut) / seconds);
    rates.in = Math.max(0, (stats.messagesIn - previous.stats.messagesIn) / seconds);
    if (bytesSent !== null && previous.bytesSent !== null) rates.bytes = Math.max(0, (bytesSent - previous.bytesSent) / seconds);
  }
  previous = { at: now, stats, bytesSent };

  $('connections').textContent = format(stats.connections);
  $('users').textContent = format(stats.users);
  $('topics').textContent = format(stats.topics);
  $('subscriptions').textContent = format(stats.subscriptions);
  $('deliveries-rate').textContent = format(rates.deliveries);
  $('bytes-rate').textContent = rates.bytes === null ? (metrics ? '…' : 'n/a') : format(rates.bytes);
  const depth = metrics ? metrics.find((s) => s.name.startsWith('actorpush_broadcast_mailbox_depth')) : null;
  $('mailbox').textContent = depth ? format(depth.value) : 'n/a';

  push(series.connections, stats.connections);
  push(series.deliveries, rates.deliveries);
  push(series.in, rates.in);
  push(series.bytes, rates.bytes ?? 0);
  draw('chart-connections', series.connections, '#2f6fde');
  draw('chart-deliveries', series.deliveries, '#1b8a4a');
  draw('chart-in', series.in, '#7b4bd6');
  draw('chart-bytes', series.bytes, '#b7791f');
  $('connections-now').textContent = format(stats.connections);
  $('deliveries-now').textContent = format(rates.deliveries) + '/s';
  $('in-now').textContent = format(rates.in) + '/s';
  $('bytes-now').textContent = rates.bytes === null ? '' : format(rates.bytes) + ' B/s';

  renderNodes(stats);
  renderDisconnects(stats, metrics);
}

function push(list, value) {
  list.push(value);
  if (list.length > history) list.shift();
}

// One polyline over the kept history, scaled to its own maximum, with the maximum written in the corner.
function draw(id, values, color) {
  const svg = $(id);
  const max = Math.max(1, ...values);
  const step = 300 / (history - 1);
  const offset = history - values.length;
  const points = values.map((v, i) => `${((offset + i) * step).toFixed(1)},${(130 - (v / max) * 115).toFixed(1)}`).join(' ');
  svg.innerHTML =
    `<line x1="0" y1="130" x2="300" y2="130" stroke="#d9dde5" stroke-width="1"/>` +
    `<line x1="0" y1="15" x2="300" y2="15" stroke="#eef0f4" stroke-width="1" stroke-dasharray="3 3"/>` +
    `<text x="2" y="12" font-size="10" fill="#667085">${format(max)}</text>` +
    `<text x="298" y="140" font-size="9" fill="#98a2b3" text-anchor="end">last 5 min</text>` +
    (values.length > 1 ? `<polyline points="${points}" fill="none" stroke="${color}" stroke-width="2" vector-effect="non-scaling-stroke"/>` : '');
}

function renderNodes(stats) {
  const nodes = Array.isArray(stats.perNode) && stats.perNode.length > 0 ? stats.perNode : [{ ...stats, node: location.host }];
  const body = $('nodes');
  body.replaceChildren();
  for (const node of nodes) {
    const row = document.createElement('tr');
    const cells = [node.node || node.address || '?', node.connections, node.users, node.topics, node.messagesIn, node.messagesOut, node.publishesDropped];
    cells.forEach((value, i) => {
      const cell = document.createElement('td');
      if (i > 0) cell.className = 'num';
      cell.textContent = value === undefined ? '-' : i > 0 ? format(value) : value;
      row.append(cell);
    });
    body.append(row);
  }
}

function renderDisconnects(stats, metrics) {
  const counts = new Map();
  if (metrics) {
    for (const s of metrics.filter((m) => m.name.startsWith('actorpush_disconnects') && m.labels.code)) {
      counts.set(s.labels.code, (counts.get(s.labels.code) || 0) + s.value);
    }
  }
  if (counts.size === 0) {
    counts.set('4008', stats.slowConsumerDisconnects);
    counts.set('4029', stats.rateLimitDisconnects);
    $('disconnects-note').textContent = metrics ? '' : 'Only 4008 and 4029 are counted by /api/stats; every code comes with /metrics.';
  } else {
    $('disconnects-note').textContent = '';
  }
  const body = $('disconnects');
  body.replaceChildren();
  for (const [code, count] of [...counts].sort((a, b) => Number(a[0]) - Number(b[0]))) {
    const row = document.createElement('tr');
    row.innerHTML = `<td>${code}</td><td></td><td class="num"></td>`;
    row.children[1].textContent = meanings[code] || '';
    row.children[2].textContent = format(count);
    body.append(row);
  }
}

tick();
setInterval(tick, 1000);
