/**
 * The dashboard page's script, in the browser: fills the static page (page-html.ts) from the
 * `/events` stream and wires the action buttons when the server allows them. Bundled for the
 * browser (page-script.ts) and served as /assets/dashboard.js; no library. Every value from the
 * data goes in through textContent or an attribute, never HTML.
 */
import type { DashboardState } from '../dashboard-state.js';

let actions = false;

function byId(id: string): HTMLElement {
  const node = document.getElementById(id);
  if (node === null) throw new Error(`The page has no #${id}.`);
  return node;
}

function el(tag: string, text?: string | number | null, cls?: string): HTMLElement {
  const node = document.createElement(tag);
  if (text !== undefined && text !== null) node.textContent = String(text);
  if (cls) node.className = cls;
  return node;
}

function clear<T extends Node>(node: T): T {
  while (node.firstChild) node.removeChild(node.firstChild);
  return node;
}

function dur(s: number | null): string {
  if (s === null || s === undefined) return '-';
  if (s < 60) return s + ' s';
  if (s < 3600) return Math.floor(s / 60) + ' m ' + (s % 60) + ' s';
  return Math.floor(s / 3600) + ' h ' + Math.floor((s % 3600) / 60) + ' m';
}

const usd = (v: number | null | undefined) => '$' + Number(v || 0).toFixed(2);

function post(path: string, body?: object): Promise<void> {
  return fetch(path, {
    method: 'POST',
    credentials: 'same-origin',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body || {}),
  }).then((r) =>
    r.text().then((t) => {
      if (!r.ok) alert(t);
    }),
  );
}

function button(label: string, onClick: () => void): HTMLElement {
  const b = el('button', label);
  b.onclick = onClick;
  return b;
}

function header(s: DashboardState): void {
  const counts = { up: 0, unresponsive: 0, dead: 0 };
  s.workers.forEach((w) => {
    if (w.health === 'dead' || w.health === 'gave-up') counts.dead += 1;
    else if (w.health === 'unresponsive') counts.unresponsive += 1;
    else if (w.health !== 'stopped' && w.health !== 'unknown') counts.up += 1;
  });
  byId('workers-summary').textContent = 'workers: ' + counts.up + ' up, ' + counts.unresponsive + ' unresponsive, ' + counts.dead + ' dead';
  const q = s.queue;
  byId('queue-summary').textContent =
    'depth' in q
      ? 'queue (' +
        q.backend +
        '): ' +
        q.depth.queued +
        ' queued, ' +
        q.depth.running +
        ' running, ' +
        q.depth.done +
        ' done, ' +
        q.depth.failed +
        ' failed, ' +
        q.depth.review +
        ' review' +
        (q.depth.cancelled ? ', ' + q.depth.cancelled + ' cancelled' : '')
      : 'queue unavailable: ' + q.unavailable;
  const paused = clear(byId('paused'));
  if (s.pause) {
    paused.textContent =
      s.pause.until === null
        ? 'paused until a person acts (' + s.pause.reason + ')'
        : 'paused until ' + s.pause.until + ' (' + s.pause.reason + ')';
    // The pause is pool-wide (the database's on postgres), so any host's dashboard can lift it.
    if (actions) paused.appendChild(button('resume', () => void post('/api/actions/resume')));
  }
  // A reached budget and the review wait hold new work too (docs/SPEC.md sections 11.1, 14.3).
  const holds = [...s.holds.budget_reached.map((entry) => entry.text), ...(s.holds.reviews === null ? [] : [s.holds.reviews])];
  if (holds.length > 0) paused.appendChild(el('span', (s.pause ? '; ' : '') + holds.join('; ')));
  byId('cost-summary').textContent = 'cost: ' + usd(s.cost_today_usd) + ' today, ' + usd(s.report.cost.total_usd) + ' in total';
}

function workers(s: DashboardState): void {
  const body = clear(document.querySelector('#workers tbody')!);
  s.workers.forEach((w) => {
    const row = el('tr');
    row.setAttribute('data-worker', w.label);
    row.appendChild(el('td', w.label));
    const state = el('td');
    state.appendChild(el('span', w.health, 'state ' + w.health));
    row.appendChild(state);
    row.appendChild(el('td', w.task));
    row.appendChild(el('td', w.parent === null ? '-' : w.parent));
    row.appendChild(el('td', dur(w.elapsed_s)));
    row.appendChild(el('td', dur(w.progress_age_s)));
    row.appendChild(el('td', w.attempts === null ? '-' : w.attempts));
    row.appendChild(el('td', w.restarts));
    row.appendChild(el('td', usd(w.cost_usd)));
    row.appendChild(el('td', w.last_error || '', 'error'));
    const act = el('td');
    if (actions) {
      // Only this host's manager restarts a worker, and the action names it by id alone.
      if (w.local) act.appendChild(button('restart', () => void post('/api/actions/restart', { worker: w.id })));
      if (w.task !== 'none') act.appendChild(button('kill task', () => void post('/api/actions/kill', { task: w.task })));
    }
    row.appendChild(act);
    body.appendChild(row);
  });
}

function list<T>(id: string, items: readonly T[], render: (item: T) => HTMLElement): void {
  const node = clear(byId(id));
  if (items.length === 0) node.appendChild(el('li', 'none'));
  items.forEach((item) => node.appendChild(render(item)));
}

function chart(s: DashboardState): void {
  const svg = clear(byId('chart'));
  const max = Math.max(...s.chart.map((h) => h.finished), 1);
  const ns = 'http://www.w3.org/2000/svg';
  s.chart.forEach((h, i) => {
    for (const [cls, count] of [
      ['ok', h.finished],
      ['bad', h.failed],
    ] as const) {
      const height = (count / max) * 80;
      const r = document.createElementNS(ns, 'rect');
      r.setAttribute('class', cls);
      r.setAttribute('x', String(i * 20 + (cls === 'ok' ? 2 : 11)));
      r.setAttribute('width', '8');
      r.setAttribute('y', String(85 - height));
      r.setAttribute('height', String(height));
      const t = document.createElementNS(ns, 'title');
      t.textContent = h.start + ': ' + h.finished + ' finished, ' + h.failed + ' failed';
      r.appendChild(t);
      svg.appendChild(r);
    }
  });
}

function render(s: DashboardState): void {
  header(s);
  workers(s);
  chart(s);
  list('parents', s.parents, (p) =>
    el('li', 'parent ' + p.parent + ': ' + p.done + ' / ' + p.total + ' done' + (p.failed ? ', ' + p.failed + ' failed' : '')),
  );
  list('alerts', s.alerts.slice().reverse(), (a) => el('li', a));
  list('recent', s.recent, (t) => {
    const li = el('li', t.ended_at.slice(11, 19) + ' task ' + t.task_id + ' (parent ' + t.parent + ') ');
    li.appendChild(el('span', t.result, 'result ' + t.result));
    li.appendChild(
      document.createTextNode(
        ' on worker ' + (t.host === s.host ? t.worker_id : t.host + '/' + t.worker_id) + ', ' + dur(Math.round(t.duration_ms / 1000)),
      ),
    );
    if (actions && t.result !== 'success') li.appendChild(button('retry', () => void post('/api/actions/retry', { task: t.task_id })));
    return li;
  });
  document.body.setAttribute('data-generated-at', s.generated_at);
}

const banner = byId('banner');
fetch('/api/capabilities', { credentials: 'same-origin' })
  .then((r) => r.json())
  .then((c: { actions?: unknown }) => {
    actions = c.actions === true;
  })
  .catch(() => {})
  .then(() => {
    const source = new EventSource('/events');
    source.addEventListener('state', (event) => {
      banner.className = '';
      render(JSON.parse(event.data) as DashboardState);
    });
    source.onopen = () => {
      banner.className = '';
    };
    source.onerror = () => {
      banner.className = 'lost';
    };
  });
