#!/usr/bin/env node
// Layering lint (STYLE.md 10, DESIGN.md "Folders"): which folder may import what.
// Usage: node scripts/check-layers.mjs [root]   (root defaults to the repository)
//
// Imports are read from the TypeScript syntax tree, so a module name inside a string or a
// comment (e.g. the worker source in engine/wasm/runtime.ts) is not mistaken for an import.
// Scanned: .ts/.mts/.cts/.tsx sources and the <script> blocks of .vue files; the .mjs files
// under engine/ are Node build scripts, not engine code.

import { readdirSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const LAYERS = ['engine', 'preload', 'renderer'];
const SOURCE = /\.(?:[mc]?ts|tsx|vue)$/;
const SKIPPED_DIRS = new Set(['node_modules', 'out', 'dist']);
const APP_ONLY_PACKAGES = ['electron', 'vue', 'pinia', 'echarts', 'better-sqlite3'];
const CONTRACT = 'main/contract';

/**
 * What a rule sees of an import: `target` is the repository path (no extension) of a relative
 * specifier, null for a package.
 * @typedef {{ specifier: string, typeOnly: boolean, target: string | null }} Import
 */

const packageName = (specifier) =>
  specifier.split('/').slice(0, specifier.startsWith('@') ? 2 : 1).join('/');
const isNodeBuiltin = (specifier) =>
  specifier.startsWith('node:') || builtinModules.includes(packageName(specifier));
/** @param {Import} imp */
const isContract = (imp) => imp.target === CONTRACT;
/** @param {Import} imp */
const topFolder = (imp) => imp.target?.split('/')[0] ?? null;

/**
 * Each rule: the layer it governs, a test that flags an import, and why. Type-only imports count
 * too, except the contract's types, which are the one thing renderer and preload share with main.
 */
const RULES = [
  {
    id: 'engine-no-app',
    layer: 'engine',
    message: 'engine/ imports no Electron, UI, chart or SQLite package and nothing from main/, preload/, renderer/',
    flags: (imp) =>
      APP_ONLY_PACKAGES.includes(packageName(imp.specifier)) ||
      ['main', 'preload', 'renderer'].includes(topFolder(imp)),
  },
  {
    id: 'engine-node-behind-seam',
    layer: 'engine',
    message: 'engine/ uses Node built-ins only in a platform seam file named *-node.ts',
    flags: (imp, file) => isNodeBuiltin(imp.specifier) && !file.endsWith('-node.ts'),
  },
  {
    id: 'renderer-no-electron-node',
    layer: 'renderer',
    message: 'renderer/ imports no Electron and no Node built-ins; it talks to its Host',
    flags: (imp) => packageName(imp.specifier) === 'electron' || isNodeBuiltin(imp.specifier),
  },
  {
    id: 'renderer-contract-types-only',
    layer: 'renderer',
    message: "renderer/ takes only types from main/contract (`import type`) and nothing else from main/ or preload/",
    flags: (imp) =>
      ['main', 'preload'].includes(topFolder(imp)) && !(isContract(imp) && imp.typeOnly),
  },
  {
    id: 'preload-electron-and-contract',
    layer: 'preload',
    message: 'preload/ imports only electron, its own files and the types of main/contract',
    flags: (imp) =>
      imp.specifier !== 'electron' &&
      topFolder(imp) !== 'preload' &&
      !(isContract(imp) && imp.typeOnly),
  },
];

function* sourceFiles(dir) {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch (error) {
    if (error.code === 'ENOENT') return;
    throw error;
  }
  for (const entry of entries) {
    const path = join(dir, entry.name);
    if (entry.isDirectory() && !SKIPPED_DIRS.has(entry.name)) yield* sourceFiles(path);
    else if (entry.isFile() && SOURCE.test(entry.name)) yield path;
  }
}

/** The code of a file and the (1-based) line it starts on; a .vue file has one per <script>. */
function scriptBlocks(path, text) {
  if (!path.endsWith('.vue')) return [{ code: text, firstLine: 1 }];
  return [...text.matchAll(/<script\b[^>]*>([\s\S]*?)<\/script>/g)].map((match) => ({
    code: match[1],
    firstLine: text.slice(0, match.index + match[0].indexOf('>') + 1).split('\n').length,
  }));
}

const stringArgument = (node) =>
  node && (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) ? node.text : null;

/** Every module a piece of code names (static, re-export, dynamic, require, import types), 0-based lines. */
function importsOf(code) {
  const source = ts.createSourceFile('x.ts', code, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const found = [];
  const add = (node, specifier, typeOnly) => {
    if (specifier === null) return;
    const line = source.getLineAndCharacterOfPosition(node.getStart(source)).line;
    found.push({ specifier, line, typeOnly });
  };
  const visit = (node) => {
    if (ts.isImportDeclaration(node)) {
      add(node, stringArgument(node.moduleSpecifier), node.importClause?.isTypeOnly ?? false);
    } else if (ts.isExportDeclaration(node) && node.moduleSpecifier) {
      add(node, stringArgument(node.moduleSpecifier), node.isTypeOnly);
    } else if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference)) {
      add(node, stringArgument(node.moduleReference.expression), node.isTypeOnly);
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument)) {
      add(node, stringArgument(node.argument.literal), true);
    } else if (ts.isCallExpression(node)) {
      const callee = node.expression;
      const isDynamicImport = callee.kind === ts.SyntaxKind.ImportKeyword;
      const isRequire = ts.isIdentifier(callee) && callee.text === 'require';
      if (isDynamicImport || isRequire) add(node, stringArgument(node.arguments[0]), false);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

/** The repository path (without extension) a relative specifier points to; null for packages. */
function targetOf(specifier, file, root) {
  if (!specifier.startsWith('.')) return null;
  const path = relative(root, resolve(dirname(file), specifier)).split(sep).join('/');
  return path.replace(/\.(?:[mc]?[jt]s|tsx|vue)$/, '');
}

function checkFile(path, root) {
  const file = relative(root, path).split(sep).join('/');
  const layer = file.split('/')[0];
  const rules = RULES.filter((rule) => rule.layer === layer);
  const violations = [];
  for (const { code, firstLine } of scriptBlocks(path, readFileSync(path, 'utf8'))) {
    for (const { specifier, line, typeOnly } of importsOf(code)) {
      const imp = { specifier, typeOnly, target: targetOf(specifier, path, root) };
      for (const rule of rules.filter((r) => r.flags(imp, file))) {
        violations.push({ file, line: firstLine + line, specifier, rule: rule.id, message: rule.message });
      }
    }
  }
  return violations;
}

const root = resolve(process.argv[2] ?? join(dirname(fileURLToPath(import.meta.url)), '..'));
const files = LAYERS.flatMap((layer) => [...sourceFiles(join(root, layer))]);
const violations = files.flatMap((path) => checkFile(path, root));

if (violations.length === 0) {
  console.log(`layers: ok (${files.length} files)`);
} else {
  for (const v of violations) {
    console.error(`${v.file}:${v.line}: '${v.specifier}' [${v.rule}] ${v.message}`);
  }
  console.error(`layers: ${violations.length} violation(s) in ${files.length} files`);
  process.exitCode = 1;
}
