// Writes docs/SETTINGS.md from SETTING_DEFINITIONS in src/core/settings.ts, the one place settings
// are described. `npm run settings:docs` runs it; test/unit/settings-docs.test.ts fails when the
// file differs from what it would write.
// Usage: node scripts/settings-table.mjs [--stdout]   (--stdout prints the page instead of writing it)
import { build } from 'esbuild';
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import prettier from 'prettier';

const root = fileURLToPath(new URL('..', import.meta.url));
const SOURCE = 'src/core/settings.ts';
const TARGET = 'docs/SETTINGS.md';

/** The settings module as it is now: bundled (zod included) into one ESM text and imported from memory, so nothing is built or written. */
async function loadDefinitions() {
  const bundle = await build({
    entryPoints: [`${root}${SOURCE}`],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    write: false,
    logLevel: 'error',
  });
  const code = bundle.outputFiles[0].text;
  const module = await import(`data:text/javascript;base64,${Buffer.from(code).toString('base64')}`);
  return module.SETTING_DEFINITIONS;
}

/** A table cell: one line, and a `|` in the text does not end the cell. */
const cell = (text) => text.replace(/\s*\n\s*/g, ' ').replaceAll('|', '\\|');

/** The default as code, so it reads as what to type; an empty one in words. */
const shownDefault = (text) => (text === '' ? '(empty)' : `\`${text}\``);

async function renderSettingsPage(definitions) {
  const entries = Object.entries(definitions);
  const undescribed = entries.filter(
    ([, definition]) => typeof definition.description !== 'string' || definition.description.trim() === '',
  );
  if (undescribed.length > 0) {
    throw new Error(`${SOURCE}: give these settings a description: ${undescribed.map(([name]) => name).join(', ')}.`);
  }
  const lines = [
    '# Settings',
    '',
    `<!-- Written by \`npm run settings:docs\` from SETTING_DEFINITIONS in ${SOURCE}: edit the descriptions there, not here. -->`,
    '',
    'Each setting has a built-in default; `config.json` in the data root (`~/.claude/workers/config.json`, or `$CLAUDE_WORKERS_HOME/config.json`) overrides it, and an environment variable of the same name overrides both: defaults < `config.json` < environment. An empty environment variable counts as unset, and names in `config.json` that are not settings are ignored. A value outside its range is refused (exit 2) with the setting, where the value came from and what is accepted.',
    '',
    'Durations are seconds as a plain number (fractions allowed) or take a unit: `500ms`, `30s`, `15m`, `1h`. Sizes are bytes or take a unit that is a power of 1024: `500K`, `500M`, `2G`, `1T`.',
    '',
    '| name | default | allowed | description |',
    '| --- | --- | --- | --- |',
    ...entries.map(
      ([name, definition]) =>
        `| ${name} | ${cell(shownDefault(definition.shownDefault))} | ${cell(definition.allowed)} | ${cell(definition.description)} |`,
    ),
    '',
  ];
  const options = (await prettier.resolveConfig(`${root}${TARGET}`)) ?? {};
  return prettier.format(lines.join('\n'), { ...options, parser: 'markdown' });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const page = await renderSettingsPage(await loadDefinitions());
  if (process.argv.includes('--stdout')) {
    process.stdout.write(page);
  } else {
    writeFileSync(`${root}${TARGET}`, page);
    console.log(`Wrote ${TARGET}.`);
  }
}
