// An esbuild plugin of scripts/build.mjs.
import { readFileSync } from 'node:fs';

// zod 3's ZodType constructor binds 24 of its methods to every schema it makes (`this.parse =
// this.parse.bind(this)`, ...): some 17,500 bound functions for a worker's schemas, 0.75 to 1 MiB of every
// idle worker and of the manager (docs/PERFORMANCE.md, "A task's fixed cost"). In the bundles each
// is bound on first use instead, by a getter on the prototype, so `const { parse } = schema` still
// works; the build stops if zod's constructor no longer reads as expected.
const ZOD_BOUND_METHODS = 24;
export const lazyZodBinding = {
  name: 'lazy-zod-binding',
  setup(esbuild) {
    esbuild.onLoad({ filter: /[\\/]zod[\\/]v3[\\/]types\.js$/ }, (args) => {
      const names = [];
      const contents = readFileSync(args.path, 'utf8')
        .replace('this.spa = this.safeParseAsync;', '')
        .replace(/\n\s*this\.(\w+) = this\.\1\.bind\(this\);/g, (_, name) => {
          names.push(name);
          return '';
        });
      if (names.length !== ZOD_BOUND_METHODS || !names.includes('spa')) {
        throw new Error(
          `${args.path}: expected zod 3's ${ZOD_BOUND_METHODS} bound methods in ZodType's constructor, found ${names.length}.`,
        );
      }
      const bindOnUse = `for (const name of ${JSON.stringify(names)}) {
  const method = ZodType.prototype[name === 'spa' ? 'safeParseAsync' : name];
  const own = (self, value) => Object.defineProperty(self, name, { value, writable: true, configurable: true, enumerable: true });
  Object.defineProperty(ZodType.prototype, name, {
    configurable: true,
    get() {
      // A prototype read (ZodString.prototype.parse) gets the method itself, as before.
      if (!Object.hasOwn(this, '_def')) return method;
      const bound = method.bind(this);
      own(this, bound);
      return bound;
    },
    set(value) { own(this, value); },
  });
}`;
      return { contents: `${contents}\n${bindOnUse}\n`, loader: 'js' };
    });
  },
};
