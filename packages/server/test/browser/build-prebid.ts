// Builds the browser bundle of Prebid.js that the interop test loads: Prebid core plus the `userId`
// and `uid2IdSystem` modules, imported the way Prebid's README documents npm use (import 'prebid.js'
// and each wanted module, then `pbjs.processQueue()`), bundled for the browser with esbuild.
// Prebid's npm package ships precompiled ES modules (global `pbjs`, the UID2_CSTG feature on), so no
// Babel step is needed. One build option is changed through Prebid's documented hook for other
// bundlers (`prebid.js/customize/virtualBuildOptions`): `distUrlBase`, from which Prebid loads
// on-demand chunks (e.g. in debug mode), points at the page's own origin instead of a public CDN.
// The bundle is written to node_modules/.cache/uid2-prebid/ (git-ignored), named by the prebid.js
// version and a hash of every build input, and reused while they match. Never commit it.
// Run directly (`npx tsx packages/server/test/browser/build-prebid.ts`) to print the bundle's path.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { type BuildOptions, build, version as esbuildVersion, type Plugin } from 'esbuild';

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../../..');
const CACHE_DIR = join(REPO_ROOT, 'node_modules', '.cache', 'uid2-prebid');

/** The Prebid modules in the bundle (names as in `prebid.js/modules/<name>`). */
export const PREBID_MODULES = ['userId', 'uid2IdSystem'] as const;

const ENTRY = [
  "import pbjs from 'prebid.js';",
  ...PREBID_MODULES.map((m) => `import 'prebid.js/modules/${m}';`),
  'pbjs.processQueue();',
  '',
].join('\n');

/** Prebid build options (customize/README.md in prebid.js); the page server answers 404 there. */
const PREBID_BUILD_OPTIONS = { distUrlBase: '/prebid-chunks/' } as const;

interface VirtualBuildOptions {
  getBuildOptionsVirtualModuleId(): string;
  renderBuildOptionsVirtualModule(options: object): Promise<string>;
}

/** esbuild's form of Prebid's Rollup plugin: serves the build-options module from the options above. */
async function prebidBuildOptionsPlugin(): Promise<Plugin> {
  const helper = (await import('prebid.js/customize/virtualBuildOptions' as string)) as VirtualBuildOptions;
  const target = helper.getBuildOptionsVirtualModuleId();
  const contents = await helper.renderBuildOptionsVirtualModule(PREBID_BUILD_OPTIONS);
  return {
    name: 'prebid-build-options',
    setup(b) {
      b.onLoad({ filter: /[\\/]buildOptions\.mjs$/ }, (args) =>
        args.path === target ? { contents, loader: 'js' } : undefined,
      );
    },
  };
}

const OPTIONS = {
  bundle: true,
  format: 'iife',
  platform: 'browser',
  target: 'chrome110',
  minify: false,
  sourcemap: false,
  legalComments: 'inline',
  logLevel: 'silent',
} as const satisfies BuildOptions;

/** The installed prebid.js package: its version and folder (its `exports` hide package.json). */
export function prebidPackage(): { version: string; dir: string } {
  let dir = dirname(createRequire(import.meta.url).resolve('prebid.js'));
  for (;;) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest)) {
      const pkg = JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'prebid.js' && typeof pkg.version === 'string') return { version: pkg.version, dir };
    }
    const up = dirname(dir);
    if (up === dir) throw new Error('prebid.js is not installed (npm ci at the repository root)');
    dir = up;
  }
}

/**
 * Returns the path of the Prebid.js browser bundle (core + userId + uid2IdSystem, global `pbjs`),
 * building it first unless a bundle from the same inputs is cached.
 */
export async function buildPrebidBundle(): Promise<string> {
  const { version } = prebidPackage();
  const key = createHash('sha256')
    .update(JSON.stringify({ version, esbuildVersion, ENTRY, OPTIONS, PREBID_BUILD_OPTIONS }))
    .digest('hex')
    .slice(0, 16);
  const out = join(CACHE_DIR, `prebid-${version}-${key}.js`);
  if (existsSync(out)) return out;

  mkdirSync(CACHE_DIR, { recursive: true });
  const result = await build({
    ...OPTIONS,
    stdin: { contents: ENTRY, resolveDir: REPO_ROOT, sourcefile: 'uid2-prebid-entry.js', loader: 'js' },
    plugins: [await prebidBuildOptionsPlugin()],
    write: false,
  });
  const file = result.outputFiles[0];
  if (!file || result.errors.length > 0) throw new Error('esbuild produced no Prebid.js bundle');
  // Write then rename, so a concurrent run never reads half a bundle.
  const tmp = `${out}.${process.pid}.tmp`;
  writeFileSync(tmp, file.contents);
  try {
    renameSync(tmp, out);
  } finally {
    rmSync(tmp, { force: true });
  }
  return out;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  console.log(await buildPrebidBundle());
}
