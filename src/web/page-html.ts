/**
 * The page: a static shell with no data in it (so nothing from the pool is ever spliced into
 * HTML); /assets/dashboard.js fills it from /api/state and the /events stream, with textContent.
 */
export const PAGE_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>hybrid-workers</title>
<link rel="stylesheet" href="/assets/dashboard.css">
</head>
<body>
<div id="banner" role="status">Connection to the server lost; reconnecting...</div>
<header>
  <h1>hybrid-workers</h1>
  <span id="workers-summary">loading...</span>
  <span id="queue-summary"></span>
  <span id="paused"></span>
  <span id="cost-summary"></span>
  <span id="sandbox"></span>
  <span id="action-result" role="status" aria-live="polite"></span>
</header>
<main>
  <section class="wide"><h2>Workers</h2>
    <table id="workers"><thead><tr><th>Worker</th><th>State</th><th>Task</th><th>Parent</th><th>Elapsed</th><th>Progress age</th><th>Attempts</th><th>Restarts</th><th>Cost</th><th>Last error</th><th></th></tr></thead><tbody></tbody></table>
  </section>
  <section><h2>Throughput, last 24 hours</h2><svg id="chart" width="100%" viewBox="0 0 520 130" role="img" aria-label="tasks finished and failed per hour, last 24 hours"></svg>
    <div>blue: finished per hour; red: failed</div></section>
  <section><h2>Parents</h2><label><input type="checkbox" id="all-repos"> every repository</label><ul id="parents"></ul></section>
  <section><h2>Waiting</h2><ul id="waiting"></ul></section>
  <section><h2>Outcomes and spend</h2><ul id="outcomes"></ul></section>
  <section><h2>Recent alerts</h2><ul id="alerts"></ul></section>
  <section><h2>Recently finished</h2><ul id="recent"></ul></section>
</main>
<script src="/assets/dashboard.js"></script>
</body>
</html>
`;
