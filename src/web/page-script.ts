/**
 * The page's script, served as /assets/dashboard.js: plain browser JavaScript, no library, no
 * build step. Every value from the data goes in through textContent or an attribute, never HTML.
 */
export const PAGE_SCRIPT = String.raw`(function () {
  'use strict';
  var actions = false;
  function el(tag, text, cls) {
    var node = document.createElement(tag);
    if (text !== undefined && text !== null) node.textContent = String(text);
    if (cls) node.className = cls;
    return node;
  }
  function clear(node) { while (node.firstChild) node.removeChild(node.firstChild); return node; }
  function dur(s) {
    if (s === null || s === undefined) return '-';
    if (s < 60) return s + ' s';
    if (s < 3600) return Math.floor(s / 60) + ' m ' + (s % 60) + ' s';
    return Math.floor(s / 3600) + ' h ' + Math.floor((s % 3600) / 60) + ' m';
  }
  function usd(v) { return '$' + Number(v || 0).toFixed(2); }
  function post(path, body) {
    return fetch(path, { method: 'POST', credentials: 'same-origin', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body || {}) })
      .then(function (r) { return r.text().then(function (t) { if (!r.ok) alert(t); }); });
  }
  function header(s) {
    var counts = { up: 0, unresponsive: 0, dead: 0 };
    s.workers.forEach(function (w) {
      if (w.health === 'dead' || w.health === 'gave-up') counts.dead += 1;
      else if (w.health === 'unresponsive') counts.unresponsive += 1;
      else if (w.health !== 'stopped' && w.health !== 'unknown') counts.up += 1;
    });
    document.getElementById('workers-summary').textContent = 'workers: ' + counts.up + ' up, ' + counts.unresponsive + ' unresponsive, ' + counts.dead + ' dead';
    var q = s.queue;
    document.getElementById('queue-summary').textContent = q.depth
      ? 'queue (' + q.backend + '): ' + q.depth.queued + ' queued, ' + q.depth.running + ' running, ' + q.depth.done + ' done, ' + q.depth.failed + ' failed, ' + q.depth.review + ' review' + (q.depth.cancelled ? ', ' + q.depth.cancelled + ' cancelled' : '')
      : 'queue unavailable: ' + q.unavailable;
    var paused = document.getElementById('paused');
    clear(paused);
    if (s.pause) {
      paused.textContent = s.pause.until === null ? 'paused until a person acts (' + s.pause.reason + ')' : 'paused until ' + s.pause.until + ' (' + s.pause.reason + ')';
      if (actions && w.local) { var b = el('button', 'resume'); b.onclick = function () { post('/api/actions/resume'); }; paused.appendChild(b); }
    }
    document.getElementById('cost-summary').textContent = 'cost: ' + usd(s.cost_today_usd) + ' today, ' + usd(s.report.cost.total_usd) + ' in total';
  }
  function workers(s) {
    var body = clear(document.querySelector('#workers tbody'));
    s.workers.forEach(function (w) {
      var row = el('tr');
      row.setAttribute('data-worker', w.label);
      row.appendChild(el('td', w.label));
      var state = el('td'); state.appendChild(el('span', w.health, 'state ' + w.health)); row.appendChild(state);
      row.appendChild(el('td', w.task));
      row.appendChild(el('td', w.parent === null ? '-' : w.parent));
      row.appendChild(el('td', dur(w.elapsed_s)));
      row.appendChild(el('td', dur(w.progress_age_s)));
      row.appendChild(el('td', w.attempts === null ? '-' : w.attempts));
      row.appendChild(el('td', w.restarts));
      row.appendChild(el('td', usd(w.cost_usd)));
      row.appendChild(el('td', w.last_error || '', 'error'));
      var act = el('td');
      if (actions) {
        var b = el('button', 'restart'); b.onclick = function () { post('/api/actions/restart', { worker: w.id }); }; act.appendChild(b);
        if (w.task !== 'none') { var k = el('button', 'kill task'); k.onclick = function () { post('/api/actions/kill', { task: w.task }); }; act.appendChild(k); }
      }
      row.appendChild(act);
      body.appendChild(row);
    });
  }
  function list(id, items, render) {
    var node = clear(document.getElementById(id));
    if (items.length === 0) node.appendChild(el('li', 'none'));
    items.forEach(function (item) { node.appendChild(render(item)); });
  }
  function chart(s) {
    var svg = clear(document.getElementById('chart'));
    var max = Math.max.apply(null, s.chart.map(function (h) { return h.finished; }).concat([1]));
    var ns = 'http://www.w3.org/2000/svg';
    s.chart.forEach(function (h, i) {
      [['ok', h.finished], ['bad', h.failed]].forEach(function (pair) {
        var height = (pair[1] / max) * 80;
        var r = document.createElementNS(ns, 'rect');
        r.setAttribute('class', pair[0]);
        r.setAttribute('x', String(i * 20 + (pair[0] === 'ok' ? 2 : 11)));
        r.setAttribute('width', '8');
        r.setAttribute('y', String(85 - height));
        r.setAttribute('height', String(height));
        var t = document.createElementNS(ns, 'title'); t.textContent = h.start + ': ' + h.finished + ' finished, ' + h.failed + ' failed'; r.appendChild(t);
        svg.appendChild(r);
      });
    });
  }
  function render(s) {
    header(s);
    workers(s);
    chart(s);
    list('parents', s.parents, function (p) { return el('li', 'parent ' + p.parent + ': ' + p.done + ' / ' + p.total + ' done' + (p.failed ? ', ' + p.failed + ' failed' : '')); });
    list('alerts', s.alerts.slice().reverse(), function (a) { return el('li', a); });
    list('recent', s.recent, function (t) {
      var li = el('li', t.ended_at.slice(11, 19) + ' task ' + t.task_id + ' (parent ' + t.parent + ') ');
      li.appendChild(el('span', t.result, 'result ' + t.result));
      li.appendChild(document.createTextNode(' on worker ' + (t.host === s.host ? t.worker_id : t.host + '/' + t.worker_id) + ', ' + dur(Math.round(t.duration_ms / 1000))));
      if (actions && t.result !== 'success') { var b = el('button', 'retry'); b.onclick = function () { post('/api/actions/retry', { task: t.task_id }); }; li.appendChild(b); }
      return li;
    });
    document.body.setAttribute('data-generated-at', s.generated_at);
  }
  var banner = document.getElementById('banner');
  fetch('/api/capabilities', { credentials: 'same-origin' }).then(function (r) { return r.json(); }).then(function (c) { actions = c.actions === true; }).catch(function () {}).then(function () {
    var source = new EventSource('/events');
    source.addEventListener('state', function (event) { banner.className = ''; render(JSON.parse(event.data)); });
    source.onopen = function () { banner.className = ''; };
    source.onerror = function () { banner.className = 'lost'; };
  });
})();
`;
