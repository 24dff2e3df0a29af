#!/usr/bin/env node
// Applies the README's "Adding Trellis to an existing Backstage app" steps to
// a fresh app, exactly as written there, and prints how many lines each
// package's steps changed.
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
// indentation), `imports` (after the file's last import) or `append`. The
// comments are invisible on the rendered page, so what a reader sees is what
// this test does, and nothing else.
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
    const index = lines.findIndex(line => line.includes(anchor));
    if (index < 0) {
      throw new Error(
        `README line ${step.line}: "${anchor}" not found in ${file}`,
      );
    }
    indent = indentOf(lines[index]);
    // Inside an opening line ("{", "(" or ">"), the new lines go one level deeper.
    if (step.after && /[{(>]\s*$/.test(lines[index])) indent += '  ';
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

/** Lines a person changes by hand: not the lock file, not the copied example capabilities. */
function changedLines() {
  execSync('git add -A', { cwd: appDir });
  const numstat = execSync(
    "git diff --cached --numstat -- . ':(exclude)yarn.lock' ':(exclude)capabilities/**'",
    { cwd: appDir, encoding: 'utf8' },
  );
  let total = 0;
  const files = [];
  for (const row of numstat.trim().split('\n').filter(Boolean)) {
    const [added, removed, file] = row.split('\t');
    const n = Number(added) + Number(removed);
    total += n;
    files.push(`${file} ${n}`);
  }
  return { total, files };
}

const steps = readSteps(readFileSync(readmePath, 'utf8')).filter(step =>
  String(step.app ?? 'new,legacy')
    .split(',')
    .includes(variant),
);
if (!steps.length) throw new Error('The README has no install-test steps');

const packages = [...new Set(steps.map(s => s.plugin))];
const report = [];
for (const name of packages) {
  for (const step of steps.filter(s => s.plugin === name)) {
    if (step.run) run(step);
    else insert(step.file, step);
  }
  const { total, files } = changedLines();
  execSync(`git commit -q --no-verify -m "README install: ${name}"`, {
    cwd: appDir,
  });
  report.push({ name, total, files });
}

console.log(`\nLines changed per plugin (${variant} frontend system app):`);
for (const { name, total, files } of report) {
  console.log(
    `  ${name.padEnd(62)} ${String(total).padStart(3)}   (${files.join(', ')})`,
  );
}
