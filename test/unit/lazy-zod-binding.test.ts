import { build, type Plugin } from 'esbuild';
import { join } from 'node:path';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import type * as zod from 'zod';
import { REPO_ROOT } from '../helpers/run-bin.js';

/** zod as the command bundles have it (scripts/build.mjs), evaluated in a fresh context. */
async function bundledZod(): Promise<typeof zod> {
  const plugin = join(REPO_ROOT, 'scripts', 'lazy-zod-binding.mjs');
  const { lazyZodBinding } = (await import(plugin)) as { lazyZodBinding: Plugin };
  const result = await build({
    // Imported as the sources import it (zod's ESM build, the file the plugin rewrites).
    stdin: { contents: "export * from 'zod';", resolveDir: REPO_ROOT, loader: 'js' },
    bundle: true,
    format: 'cjs',
    platform: 'node',
    write: false,
    logLevel: 'silent',
    plugins: [lazyZodBinding],
  });
  const module = { exports: {} };
  runInNewContext(result.outputFiles[0]?.text ?? '', { module, exports: module.exports });
  return module.exports as typeof zod;
}

describe('zod in the command bundles: methods bound on first use', () => {
  it('parses as zod does, detached methods included, and binds a method only for a schema that uses it', async () => {
    const { z } = await bundledZod();
    const schema = z.object({ id: z.number().int().optional(), name: z.string() }).strict();
    expect(Object.hasOwn(schema, 'parse')).toBe(false);
    const { parse, safeParse } = schema;
    expect(parse({ name: 'a' })).toEqual({ name: 'a' });
    expect(safeParse({ name: 1 }).success).toBe(false);
    expect(() => parse({ name: 'a', extra: true })).toThrow(/Unrecognized key/);
    expect(schema.parse).toBe(parse);
    const { spa } = z.string();
    await expect(spa('x')).resolves.toMatchObject({ success: true, data: 'x' });
    const toNumber = z.coerce.number().parse;
    expect(['1', '2'].map((text) => toNumber(text))).toEqual([1, 2]);
    // A method read from a prototype is the method itself, never pinned to the prototype.
    expect(typeof z.ZodString.prototype.parse).toBe('function');
    expect(Object.hasOwn(z.ZodString.prototype, 'parse')).toBe(false);
    expect(z.string().parse('still parses')).toBe('still parses');
  });
});
