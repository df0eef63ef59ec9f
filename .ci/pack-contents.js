// Checks what `npm pack` put in the tarball, unpacked in the directory given: the files a user
// reads (README, LICENSE, CHANGELOG), the package.json fields registries and bundlers read, every
// file the entry points name, nothing from the tests, and source maps that work without the
// repository (each source either inlined in its map or shipped beside it).
// Prints one line per problem and exits 1, or prints a summary and exits 0.
'use strict';
/* global require, process, console */
/* eslint-disable @typescript-eslint/no-require-imports -- a plain CommonJS script, run by node */
const fs = require('fs');
const path = require('path');

const dir = path.resolve(process.argv[2]);
const problems = [];
const files = [];
(function walk(rel) {
  for (const entry of fs.readdirSync(path.join(dir, rel), { withFileTypes: true })) {
    const name = path.posix.join(rel, entry.name);
    if (entry.isDirectory()) walk(name);
    else files.push(name);
  }
})('');
const shipped = new Set(files);

for (const name of ['package.json', 'README.md', 'LICENSE', 'CHANGELOG.md', 'dist/index.js', 'dist/index.d.ts']) {
  if (!shipped.has(name)) problems.push(`${name} is not in the tarball`);
}

const pkg = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8'));
if (pkg.sideEffects !== false) problems.push('package.json: sideEffects is not false');
if (!pkg.repository || !/^git\+https:\/\//.test(pkg.repository.url ?? '')) {
  problems.push("package.json: repository.url is missing (npm resolves the README's relative links against it)");
}
if (!Array.isArray(pkg.keywords) || pkg.keywords.length === 0) problems.push('package.json: no keywords');
if (
  shipped.has('LICENSE') &&
  !fs.readFileSync(path.join(dir, 'LICENSE'), 'utf8').startsWith(`${pkg.license} License`)
) {
  problems.push(`LICENSE does not start with "${pkg.license} License" (package.json's license)`);
}
if (
  shipped.has('CHANGELOG.md') &&
  !/^## \[Unreleased\]|^## \[\d+\.\d+\.\d+\]/m.test(fs.readFileSync(path.join(dir, 'CHANGELOG.md'), 'utf8'))
) {
  problems.push('CHANGELOG.md has no "## [Unreleased]" or "## [x.y.z]" section');
}

// Every file the entry points name: main, types, exports (conditions at any depth), typesVersions.
const named = new Set([pkg.main, pkg.types]);
(function collect(value) {
  if (typeof value === 'string') named.add(value);
  else if (value && typeof value === 'object') Object.values(value).forEach(collect);
})([pkg.exports, pkg.typesVersions]);
for (const target of named) {
  if (target && !shipped.has(path.posix.normalize(target)))
    problems.push(`package.json names ${target}, which is not in the tarball`);
}

// Nothing from the repository's tests or build state.
for (const name of files) {
  if (/\.(spec|e2e-spec|fixture)\.|\.tsbuildinfo$|^(src|test|sample|benchmarks|docs|\.ci)\//.test(name)) {
    problems.push(`${name} is shipped but is not part of the package`);
  }
}

// Source maps: each map a shipped file points at exists, and each of its sources can be shown.
let maps = 0;
for (const name of files.filter((f) => /\.(js|d\.ts)$/.test(f))) {
  const url = /\/\/# sourceMappingURL=(\S+)\s*$/.exec(fs.readFileSync(path.join(dir, name), 'utf8'))?.[1];
  if (!url) continue;
  const mapName = path.posix.join(path.posix.dirname(name), url);
  if (!shipped.has(mapName)) {
    problems.push(`${name} points at ${url}, which is not in the tarball`);
    continue;
  }
  maps++;
  const map = JSON.parse(fs.readFileSync(path.join(dir, mapName), 'utf8'));
  map.sources.forEach((source, i) => {
    const inlined = typeof map.sourcesContent?.[i] === 'string';
    const beside = shipped.has(path.posix.join(path.posix.dirname(mapName), map.sourceRoot ?? '', source));
    if (!inlined && !beside) problems.push(`${mapName}: source ${source} is neither inlined nor shipped`);
  });
}

if (problems.length) {
  console.log(problems.slice(0, 40).join('\n') + (problems.length > 40 ? `\n… and ${problems.length - 40} more` : ''));
  process.exit(1);
}
console.log(`${files.length} files, ${named.size} entry files, ${maps} source maps with their sources`);
