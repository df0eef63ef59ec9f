/**
 * Jest transform for the ESM-only packages the tests load (NestJS 12 and a few of its dependencies).
 *
 * Node 20.19+ loads them from CommonJS with require(esm), which is how the built package uses them, but
 * Jest's CommonJS runtime only does require(esm) on Node 24.9+. So, for the packages jest.config.js lets
 * through `transformIgnorePatterns`, this rewrites ES module syntax to CommonJS with TypeScript (already a
 * dev dependency). `import.meta.url` becomes the file's URL (`dirname` and `resolve` their CommonJS
 * counterparts, which @nestjs/terminus uses), and a module's own
 * `const require = createRequire(import.meta.url)` is dropped: CommonJS already has that `require` (and
 * would reject the second declaration). Files that are not ES modules pass through untouched.
 */
const { createHash } = require('node:crypto');
const { readFileSync } = require('node:fs');
const ts = require('typescript');

const SELF = createHash('sha256').update(readFileSync(__filename)).update(ts.version).digest('hex');
const ESM_SYNTAX = /^\s*(import|export)[\s{*]|\bimport\.meta\b/m;
const OWN_REQUIRE = /^(?:const|let|var) require = createRequire\(import\.meta\.url\);?$/gm;

module.exports = {
  getCacheKey(source, path) {
    return createHash('sha256').update(SELF).update(path).update('\0').update(source).digest('hex');
  },
  process(source, path) {
    if (!ESM_SYNTAX.test(source)) return { code: source };
    const code = source
      .replace(OWN_REQUIRE, '')
      .replace(/\bimport\.meta\.url\b/g, "require('node:url').pathToFileURL(__filename).href")
      .replace(/\bimport\.meta\.dirname\b/g, '__dirname')
      .replace(/\bimport\.meta\.resolve\b/g, "((s) => require('node:url').pathToFileURL(require.resolve(s)).href)");
    const { outputText, sourceMapText } = ts.transpileModule(code, {
      fileName: path,
      compilerOptions: {
        module: ts.ModuleKind.CommonJS,
        target: ts.ScriptTarget.ES2022,
        allowJs: true,
        esModuleInterop: true,
        sourceMap: true,
      },
    });
    return { code: outputText, map: sourceMapText };
  },
};
