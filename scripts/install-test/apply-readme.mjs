#!/usr/bin/env node
// Applies the README's "Adding Trellis to an existing Backstage app" steps to
// a fresh app, exactly as written there, and prints how many lines each
// plugin package's steps changed.
//
//   node apply-readme.mjs <README.md> <app dir> <new|legacy>
//
// A step in the README is an HTML comment followed by a fenced code block:
//
//   <!-- install-test plugin="x" app="new,legacy" file="packages/backend/src/index.ts" before="backend.start();" -->
//   ```ts
//   backend.add(import('@trellis/x'));
//   ```
//
// Where the block goes: `run` (shell commands, run in the app folder),
// `before="text"` / `after="text"` (the line containing the text, with its
// indentation; with `then="text"`, the first line containing that text from
// there on), `imports` (after the file's last import) or `append`. The
// comments are invisible on the rendered page, so what a reader sees is what
// this test does, and nothing else.
//
// Counting: a changed line that names a Trellis package (its dependency in a
// package.json, its backend.add, its import) counts for that package; any
// other line counts for the step's `plugin`. A line replaced by another (a
// dependency list's comma) counts once. The copied example capabilities are
// files, not lines, and are reported apart.
import { execSync } from 'node:child_process';
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';

const [readmePath, appDir, variant] = process.argv.slice(2);
if (!readmePath || !appDir || !['new', 'legacy'].includes(variant)) {
  console.error('usage: apply-readme.mjs <README.md> <app dir> <new|legacy>');
  process.exit(2);
}

function parseAttributes(text) {
  const attributes = {};
  for (const match of text.matchAll(/([a-z-]+)(?:="([^"]*)"|='([^']*)')?/g)) {
    attributes[match[1]] = match[2] ?? match[3] ?? true;
  }
  return attributes;
}

/** Every step of the README, in order. */
function readSteps(markdown) {
  const steps = [];
  const lines = markdown.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const marker = lines[i].match(/^<!-- install-test (.*) -->\s*$/);
    if (!marker) continue;
    const attributes = parseAttributes(marker[1]);
    let j = i + 1;
    while (j < lines.length && !lines[j].startsWith('```')) {
      if (lines[j].trim() && !lines[j].startsWith('<!--')) {
        throw new Error(
          `README line ${
            i + 1
          }: an install-test marker must be followed by a code block`,
        );
      }
      j++;
    }
    const body = [];
    for (j = j + 1; j < lines.length && !lines[j].startsWith('```'); j++) {
      body.push(lines[j]);
    }
    steps.push({ line: i + 1, ...attributes, code: body.join('\n') });
    i = j;
  }
  return steps;
}

function indentOf(line) {
  return line.match(/^\s*/)[0];
}

function insert(file, step) {
  const path = join(appDir, file);
  if (!existsSync(path)) {
    throw new Error(
      `README line ${step.line}: ${file} does not exist in the app`,
    );
  }
  const lines = readFileSync(path, 'utf8').split('\n');
  const code = step.code.split('\n');
  let at;
  let indent = '';
  if (step.imports) {
    // After the last line that ends an import statement.
    let last = -1;
    let inImport = false;
    lines.forEach((line, index) => {
      if (/^import\b/.test(line)) inImport = true;
      if (inImport && /;\s*$/.test(line)) {
        last = index;
        inImport = false;
      }
    });
    at = last + 1;
  } else if (step.append) {
    at = lines.length;
    if (lines[lines.length - 1] === '') at -= 1;
  } else {
    const anchor = step.before ?? step.after;
    let index = lines.findIndex(line => line.includes(anchor));
    if (index >= 0 && step.then) {
      const from = index;
      index = lines.findIndex(
        (line, i) => i >= from && line.includes(step.then),
      );
    }
    if (index < 0) {
      throw new Error(
        `README line ${step.line}: "${anchor}"${
          step.then ? ` then "${step.then}"` : ''
        } not found in ${file}`,
      );
    }
    indent = indentOf(lines[index]);
    // Inside an opening line ("{", "(" or ">"), the new lines go one level deeper.
    const opens =
      /[{(>]\s*$/.test(lines[index]) &&
      !/\/>\s*$/.test(lines[index]) &&
      !/^\s*<\//.test(lines[index]);
    if (step.after && opens) indent += '  ';
    at = step.before ? index : index + 1;
  }
  lines.splice(at, 0, ...code.map(line => (line ? indent + line : line)));
  writeFileSync(path, lines.join('\n'));
}

function run(step) {
  for (const command of step.code.split('\n')) {
    if (!command.trim() || command.trim().startsWith('#')) continue;
    console.log(`$ ${command}`);
    execSync(command, { cwd: appDir, stdio: 'inherit', shell: '/bin/bash' });
  }
}

const copied = 'examples/capabilities';

/** The Trellis package a line names, if any (short name, without the scope prefix). */
function packageNamedIn(line) {
  const match = line.match(/@trellis\/backstage-plugin-([a-z0-9-]+)(?=['"/])/);
  return match?.[1];
}

/**
 * Lines a person changes by hand since the last commit, per package: not the
 * lock file, not the copied example capabilities.
 */
function changedLines(stepPlugin, counts) {
  execSync('git add -A', { cwd: appDir });
  const diff = execSync(
    `git diff --cached -U0 --no-color -- . ':(exclude)yarn.lock' ':(exclude)${copied}/**'`,
    { cwd: appDir, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 },
  );
  let file;
  let hunk = null;
  const flush = () => {
    if (!hunk) return;
    hunk.added.forEach(line => {
      const name = packageNamedIn(line) ?? stepPlugin;
      const entry = (counts[name] ??= { total: 0, files: {} });
      entry.total += 1;
      entry.files[file] = (entry.files[file] ?? 0) + 1;
    });
    // Removed lines that no added line replaces.
    const extra = hunk.removed - hunk.added.length;
    if (extra > 0) {
      const entry = (counts[stepPlugin] ??= { total: 0, files: {} });
      entry.total += extra;
      entry.files[file] = (entry.files[file] ?? 0) + extra;
    }
    hunk = null;
  };
  for (const line of diff.split('\n')) {
    if (line.startsWith('diff --git')) {
      flush();
      file = line.replace(/^diff --git a\/.* b\//, '');
    } else if (line.startsWith('@@')) {
      flush();
      hunk = { added: [], removed: 0 };
    } else if (hunk && line.startsWith('+')) {
      hunk.added.push(line.slice(1));
    } else if (hunk && line.startsWith('-')) {
      hunk.removed += 1;
    }
  }
  flush();
  const copiedFiles = execSync(
    `git diff --cached --name-only -- '${copied}/**'`,
    { cwd: appDir, encoding: 'utf8' },
  )
    .split('\n')
    .filter(Boolean).length;
  return copiedFiles;
}

const steps = readSteps(readFileSync(readmePath, 'utf8')).filter(step =>
  String(step.app ?? 'new,legacy')
    .split(',')
    .includes(variant),
);
if (!steps.length) throw new Error('The README has no install-test steps');

// Steps run in the README's order; each step's changes are counted (and
// committed) on their own.
const counts = {};
let copiedFiles = 0;
for (const step of steps) {
  if (step.run) run(step);
  else insert(step.file, step);
  copiedFiles += changedLines(step.plugin, counts);
  execSync(
    `git commit -q --allow-empty --no-verify -m "README install: ${step.plugin} (README line ${step.line})"`,
    { cwd: appDir },
  );
}

console.log(
  `\nLines changed per plugin package (${variant} frontend system app):`,
);
for (const [name, { total, files }] of Object.entries(counts)) {
  const where = Object.entries(files)
    .map(([file, n]) => `${file} ${n}`)
    .join(', ');
  console.log(
    `  ${`@trellis/backstage-plugin-${name}`.padEnd(62)} ${String(
      total,
    ).padStart(3)}   (${where})`,
  );
}
if (copiedFiles) {
  console.log(
    `  plus ${copiedFiles} example capability files copied to ${copied}/`,
  );
}
const over = Object.entries(counts).filter(([, { total }]) => total > 3);
console.log(
  over.length
    ? `More than 3 lines: ${over
        .map(([name, { total }]) => `${name} (${total})`)
        .join(', ')}`
    : 'Every package: 3 lines or fewer',
);
