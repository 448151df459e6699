#!/usr/bin/env node
// `npm start` runs this first: it builds only when a source is newer than the last build, so a
// start after `npm install` (which builds in `prepare`) serves the prebuilt app at once.
'use strict';
const { execSync } = require('node:child_process');
const { existsSync, readdirSync, statSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');

const root = join(__dirname, '..');
const stamp = join(root, 'dist', '.build-stamp');
const SOURCES = ['apps', 'libs', 'bench', 'migrations', 'tsconfig.json', 'tsconfig.build.json', 'package.json'];

function newestSource(path) {
  const stat = statSync(path, { throwIfNoEntry: false });
  if (!stat) return 0;
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = 0;
  for (const entry of readdirSync(path)) {
    if (entry === 'node_modules' || entry === 'dist') continue;
    newest = Math.max(newest, newestSource(join(path, entry)));
  }
  return newest;
}

if (process.argv.includes('--stamp')) {
  // The end of `npm run build`: whatever ran it, the build is now current.
  writeFileSync(stamp, `${new Date().toISOString()}\n`);
  process.exit(0);
}

const built = existsSync(stamp) ? statSync(stamp).mtimeMs : 0;
const changed = Math.max(...SOURCES.map((s) => newestSource(join(root, s))));
if (built >= changed) process.exit(0);
try {
  require.resolve('typescript', { paths: [root] });
} catch {
  // A production install (--omit=dev) has no compiler: it runs a dist/ built elsewhere (the Dockerfile's build stage).
  if (!existsSync(join(root, 'dist'))) console.error('fjord: dist/ is missing and TypeScript is not installed; run `npm install` with dev dependencies, then `npm run build`');
  process.exit(0);
}
console.log(built ? 'fjord: sources changed since the last build; building (about 20 s)...' : 'fjord: building (about 20 s, once)...');
execSync('npm run --silent build', { cwd: root, stdio: 'inherit' });
