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

/**
 * Import cycles among the project's own modules (type-only imports count: a cycle through types
 * still ties two files together; move the shared types to a file of their own). Each cycle is
 * reported once, as the loop of files, found by a depth-first search of the import graph.
 */
function findCycles(paths, root) {
  const id = (path) => relative(root, path).split(sep).join('/').replace(/\.(?:ts|vue)$/, '');
  const known = new Map(paths.map((p) => [id(p), p]));
  const resolveTarget = (target) =>
    [target, `${target}/index`].find((t) => known.has(t)) ?? null;
  const edges = new Map();
  for (const path of paths) {
    const targets = new Set();
    for (const { code } of scriptBlocks(path, readFileSync(path, 'utf8'))) {
      for (const { specifier } of importsOf(code)) {
        const target = targetOf(specifier, path, root);
        const found = target === null ? null : resolveTarget(target);
        if (found && found !== id(path)) targets.add(found);
      }
    }
    edges.set(id(path), [...targets].sort());
  }
  const cycles = new Map();
  const state = new Map(); // 1: on the current path, 2: done
  const stack = [];
  const visit = (node) => {
    state.set(node, 1);
    stack.push(node);
    for (const next of edges.get(node) ?? []) {
      if (state.get(next) === 1) {
        const loop = stack.slice(stack.indexOf(next));
        const start = loop.indexOf([...loop].sort()[0]);
        const key = [...loop.slice(start), ...loop.slice(0, start)];
        cycles.set(key.join(' -> '), key);
      } else if (!state.has(next)) visit(next);
    }
    stack.pop();
    state.set(node, 2);
  };
  for (const node of [...edges.keys()].sort()) if (!state.has(node)) visit(node);
  return [...cycles.values()];
}

const root = resolve(process.argv[2] ?? join(dirname(fileURLToPath(import.meta.url)), '..'));
const files = LAYERS.flatMap((layer) => [...sourceFiles(join(root, layer))]);
const violations = files.flatMap((path) => checkFile(path, root));
const cycles = findCycles([...files, ...sourceFiles(join(root, 'main'))], root);

if (violations.length === 0 && cycles.length === 0) {
  console.log(`layers: ok (${files.length} files, no import cycles)`);
} else {
  for (const v of violations) {
    console.error(`${v.file}:${v.line}: '${v.specifier}' [${v.rule}] ${v.message}`);
  }
  for (const c of cycles) {
    console.error(`${c[0]}: [import-cycle] ${[...c, c[0]].join(' -> ')}: imports must go one way (move shared types to a file of their own)`);
  }
  console.error(`layers: ${violations.length} violation(s) and ${cycles.length} import cycle(s) in ${files.length} files`);
  process.exitCode = 1;
}
