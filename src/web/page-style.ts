/** The page's stylesheet, served as /assets/dashboard.css. */
export const PAGE_STYLE = `
body { font: 14px/1.4 system-ui, sans-serif; margin: 0; background: #f6f7f9; color: #1d232b; }
header { background: #1d232b; color: #fff; padding: 10px 16px; display: flex; flex-wrap: wrap; gap: 18px; align-items: baseline; }
header h1 { font-size: 16px; margin: 0 12px 0 0; }
main { padding: 12px 16px; display: grid; gap: 16px; grid-template-columns: 2fr 1fr; }
section { background: #fff; border: 1px solid #dde1e6; border-radius: 6px; padding: 10px 12px; }
section.wide { grid-column: 1 / -1; }
h2 { font-size: 14px; margin: 0 0 8px; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: 3px 6px; border-bottom: 1px solid #eef0f3; white-space: nowrap; }
td.error { white-space: normal; color: #8a1c1c; max-width: 360px; }
.state { font-weight: 600; padding: 1px 6px; border-radius: 4px; }
.healthy, .working { background: #d7f5dd; color: #14532d; }
.slow, .recovering, .unresponsive { background: #fff1c2; color: #713f12; }
.dead, .gave-up { background: #fcd4d4; color: #7f1d1d; }
.stopped, .unknown { background: #e5e7eb; color: #374151; }
#banner { display: none; background: #b91c1c; color: #fff; padding: 6px 16px; font-weight: 600; }
#banner.lost { display: block; }
#paused { color: #fde68a; font-weight: 600; }
ul { margin: 0; padding-left: 18px; }
li { margin: 2px 0; }
.result.success { color: #14532d; } .result.review { color: #713f12; } .result.failed { color: #b91c1c; } .result.cancelled { color: #6b7280; } .result.unverified { color: #713f12; } .sandbox.off { color: #713f12; }
svg rect.ok { fill: #60a5fa; } svg rect.bad { fill: #ef4444; }
svg text.axis { font-size: 10px; fill: #4b5563; } svg text.title { font-style: italic; }
svg path.axis-line { stroke: #9ca3af; fill: none; }
#action-result { color: #bbf7d0; } #action-result.refused { color: #fecaca; font-weight: 600; }
button:disabled { opacity: 0.6; }
`;
