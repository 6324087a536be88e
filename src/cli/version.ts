/** Replaced by scripts/build.mjs with package.json's version; the binaries run only from that bundle. */
declare const __PACKAGE_VERSION__: string;

export const PACKAGE_VERSION = __PACKAGE_VERSION__;
