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
/** A cost no task reported (a command agent) is unknown, never $0.00. */
const cost = (v: number | null) => (v === null ? 'unknown' : usd(v));

/** Actions on their way to the server, by key: their buttons stay disabled across re-renders. */
const pending = new Set<string>();

/** The server's answer, or its one-sentence refusal, in the header until the next action. */
function say(text: string, failed: boolean): void {
  const node = byId('action-result');
  node.textContent = text;
  node.className = failed ? 'refused' : '';
}

function post(key: string, path: string, body?: object): Promise<void> {
  pending.add(key);
  document.querySelectorAll('button[data-action="' + key + '"]').forEach((b) => {
    (b as HTMLButtonElement).disabled = true;
    b.textContent = 'sending…';
  });
  say(key + ': sending…', false);
  return fetch(path, {
    method: 'POST',
    credentials: 'same-origin',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body || {}),
  })
    .then((r) => r.text().then((t) => say(key + ': ' + (t.trim() || r.statusText), !r.ok)))
    .catch((error: unknown) => say(key + ': not sent (' + String(error) + ')', true))
    .then(() => {
      pending.delete(key);
      document.querySelectorAll('button[data-action="' + key + '"]').forEach((b) => {
        (b as HTMLButtonElement).disabled = false;
        b.textContent = b.getAttribute('data-label');
      });
    });
}

/** An action button; `key` names the action and its target, e.g. "kill task 42". */
function button(label: string, key: string, path: string, body?: object): HTMLElement {
  const b = el('button', label) as HTMLButtonElement;
  b.setAttribute('data-action', key);
  b.setAttribute('data-label', label);
  if (pending.has(key)) {
    b.disabled = true;
    b.textContent = 'sending…';
  }
  b.onclick = () => void post(key, path, body);
  return b;
}

/** A link to a task's latest output as text (read-only: shown with or without actions). */
function logLink(task: string): HTMLElement {
  const a = el('a', 'log', 'log') as HTMLAnchorElement;
  a.href = '/log?task=' + encodeURIComponent(task);
  a.target = '_blank';
  a.rel = 'noopener';
  return a;
}

function header(s: DashboardState): void {
  // The server counts from the same health the rows show: a given-up worker is never "dead".
  const c = s.worker_counts;
  const parts = [c.up + ' up', c.unresponsive + ' unresponsive', c.dead + ' dead'];
  if (c.gave_up > 0) parts.push(c.gave_up + ' gave up');
  byId('workers-summary').textContent = 'workers: ' + parts.join(', ');
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
    if (actions) paused.appendChild(button('resume', 'resume', '/api/actions/resume'));
  }
  // A reached budget and the review wait hold new work too (docs/SPEC.md sections 11.1, 14.4).
  const holds = [...s.holds.budget_reached.map((entry) => entry.text), ...(s.holds.reviews === null ? [] : [s.holds.reviews])];
  if (holds.length > 0) paused.appendChild(el('span', (s.pause ? '; ' : '') + holds.join('; ')));
  const known = s.report.cost.tasks_with_cost > 0 || s.report.history.records === 0;
  byId('cost-summary').textContent = known
    ? 'cost: ' + usd(s.cost_today_usd) + ' today, ' + usd(s.report.cost.total_usd) + ' in total'
    : 'cost: unknown (no task reported one)';
}

function workers(s: DashboardState): void {
  const body = clear(document.querySelector('#workers tbody')!);
  if (s.workers.length === 0) {
    const row = el('tr', null, 'empty');
    const cell = el('td', 'no workers have reported yet');
    cell.setAttribute('colspan', '11');
    row.appendChild(cell);
    body.appendChild(row);
  }
  s.workers.forEach((w) => {
    const row = el('tr');
    row.setAttribute('data-worker', w.label);
    row.appendChild(el('td', w.label));
    const state = el('td');
    state.appendChild(el('span', w.health, 'state ' + w.health));
    row.appendChild(state);
    const taskCell = el('td', w.task);
    if (w.task !== 'none' && w.local) taskCell.append(' ', logLink(w.task));
    row.appendChild(taskCell);
    row.appendChild(el('td', w.parent === null ? '-' : w.parent));
    row.appendChild(el('td', dur(w.elapsed_s)));
    row.appendChild(el('td', dur(w.progress_age_s)));
    row.appendChild(el('td', w.attempts === null ? '-' : w.attempts));
    row.appendChild(el('td', w.restarts));
    row.appendChild(el('td', cost(w.cost_usd)));
    row.appendChild(el('td', w.last_error || '', 'error'));
    const act = el('td');
    if (actions) {
      // Only this host's manager restarts a worker, and the action names it by id alone.
      if (w.local) act.appendChild(button('restart', 'restart worker ' + w.id, '/api/actions/restart', { worker: w.id }));
      if (w.task !== 'none') act.appendChild(button('kill task', 'kill task ' + w.task, '/api/actions/kill', { task: w.task }));
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

/** Chart geometry (the SVG's viewBox is 0 0 520 130): bars from x=36, 20 units an hour, y=10..90. */
const CHART = { left: 36, top: 10, bottom: 90, hour: 20 };

function svgText(x: number, y: number, text: string, anchor: string, cls = 'axis'): SVGElement {
  const t = document.createElementNS('http://www.w3.org/2000/svg', 'text');
  t.setAttribute('x', String(x));
  t.setAttribute('y', String(y));
  t.setAttribute('text-anchor', anchor);
  t.setAttribute('class', cls);
  t.textContent = text;
  return t;
}

function chart(s: DashboardState): void {
  const svg = clear(byId('chart'));
  const max = Math.max(...s.chart.map((h) => h.finished), 1);
  const ns = 'http://www.w3.org/2000/svg';
  const span = CHART.bottom - CHART.top;
  const axis = document.createElementNS(ns, 'path');
  axis.setAttribute('class', 'axis-line');
  axis.setAttribute('d', 'M' + CHART.left + ' ' + CHART.top + 'V' + CHART.bottom + 'H' + (CHART.left + s.chart.length * CHART.hour));
  svg.appendChild(axis);
  // y: 0 and the busiest hour's count; x: every sixth hour's start (UTC), then what the axes count.
  svg.appendChild(svgText(CHART.left - 4, CHART.bottom, '0', 'end'));
  svg.appendChild(svgText(CHART.left - 4, CHART.top + 8, String(max), 'end'));
  s.chart.forEach((h, i) => {
    if (i % 6 === 0) svg.appendChild(svgText(CHART.left + i * CHART.hour, CHART.bottom + 14, h.start.slice(11, 16), 'start'));
    for (const [cls, count] of [
      ['ok', h.finished],
      ['bad', h.failed],
    ] as const) {
      const height = (count / max) * span;
      const r = document.createElementNS(ns, 'rect');
      r.setAttribute('class', cls);
      r.setAttribute('x', String(CHART.left + i * CHART.hour + (cls === 'ok' ? 2 : 11)));
      r.setAttribute('width', '8');
      r.setAttribute('y', String(CHART.bottom - height));
      r.setAttribute('height', String(height));
      const t = document.createElementNS(ns, 'title');
      t.textContent = h.start + ': ' + h.finished + ' finished, ' + h.failed + ' failed';
      r.appendChild(t);
      svg.appendChild(r);
    }
  });
  svg.appendChild(svgText(CHART.left + (s.chart.length * CHART.hour) / 2, CHART.bottom + 32, 'hour started (UTC)', 'middle', 'axis title'));
  svg.appendChild(svgText(CHART.left - 4, CHART.top - 1, 'tasks / hour', 'start', 'axis title'));
}

/** As `worker-queue status` says them. */
const COUNT_WORDS: Record<string, string> = { waiting_review: 'waiting for review', changes_requested: 'changes requested' };

/** `#12 open, checks failing`; `#12` before the watcher looked at it. */
function pullText(p: DashboardState['parents'][number]['pulls'][number]): string {
  const checks = p.checks === null || p.checks === 'none' || p.state === 'merged' || p.state === 'closed' ? '' : ', checks ' + p.checks;
  return 'pull request #' + p.pr_number + (p.state === null ? '' : ' ' + p.state) + checks;
}

/** The current repository's parents (and those of unknown repository), or every repository's with "every repository" ticked (?all). */
function parents(s: DashboardState): void {
  const all = (byId('all-repos') as HTMLInputElement).checked || s.repo === undefined;
  const shown = s.parents.filter((p) => all || p.repo === null || p.repo === s.repo);
  list('parents', shown, (p) => {
    const counts = Object.entries(p.pull_requests).map(([state, count]) => count + ' ' + (COUNT_WORDS[state] ?? state));
    const li = el(
      'li',
      'parent ' +
        p.parent +
        (all ? ' (' + (p.repo === null ? 'repository unknown' : p.repo) + ')' : '') +
        ': ' +
        p.done +
        ' / ' +
        p.total +
        ' done' +
        (p.failed ? ', ' + p.failed + ' failed' : '') +
        (counts.length > 0 ? '; pull requests: ' + counts.join(', ') : ''),
    );
    li.setAttribute('data-parent', p.parent);
    if (p.pulls.length > 0) {
      const sub = el('ul');
      p.pulls.forEach((pull) => {
        const item = el('li', '#' + pull.subissue + ': ');
        item.setAttribute('data-subissue', pull.subissue);
        const link = el('a', pullText(pull));
        // Only a web address is a link: the data never supplies a script URL.
        if (/^https?:\/\//.test(pull.pr_url)) link.setAttribute('href', pull.pr_url);
        item.appendChild(link);
        sub.appendChild(item);
      });
      li.appendChild(sub);
    }
    return li;
  });
}

let last: DashboardState | undefined;

/** Whether agents run in the sandbox; when not, why and the fix (docs/SPEC.md section 15). */
function sandbox(s: DashboardState): void {
  const span = byId('sandbox');
  span.textContent = s.sandbox ? s.sandbox.line : '';
  span.className = s.sandbox ? (s.sandbox.in_use ? 'sandbox on' : 'sandbox off') : '';
}

function render(s: DashboardState): void {
  last = s;
  header(s);
  sandbox(s);
  workers(s);
  chart(s);
  parents(s);
  // What waits on what (docs/SPEC.md section 8.5): blocked tasks, then the cycles nothing in starts.
  const waiting = s.waiting ?? { blocked: [], cycles: [] };
  list(
    'waiting',
    [
      ...waiting.blocked.map((b) => '#' + b.subissue + ' blocked by ' + b.blocked_by.join(', ')),
      ...waiting.cycles.map((c) => 'dependency cycle: ' + c),
    ],
    (text) => el('li', text),
  );
  list('outcomes', s.outcomes ?? [], (line) => el('li', line));
  list('alerts', s.alerts.slice().reverse(), (a) => el('li', a));
  list('recent', s.recent, (t) => {
    const li = el('li', t.ended_at.slice(11, 19) + ' task ' + t.task_id + ' (parent ' + t.parent + ') ');
    li.appendChild(el('span', t.result, 'result ' + t.result));
    li.appendChild(
      document.createTextNode(
        ' on worker ' + (t.host === s.host ? t.worker_id : t.host + '/' + t.worker_id) + ', ' + dur(Math.round(t.duration_ms / 1000)),
      ),
    );
    if (t.host === s.host) li.append(' ', logLink(t.task_id));
    if (actions && t.result !== 'success')
      li.appendChild(button('retry', 'retry task ' + t.task_id, '/api/actions/retry', { task: t.task_id }));
    return li;
  });
  document.body.setAttribute('data-generated-at', s.generated_at);
}

const allRepos = byId('all-repos') as HTMLInputElement;
allRepos.checked = new URLSearchParams(location.search).has('all');
allRepos.onchange = () => {
  if (last !== undefined) parents(last);
};

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
