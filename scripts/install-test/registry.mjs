#!/usr/bin/env node
// A minimal npm registry for the install test: serves the packed Trellis
// tarballs in a folder as if they were published, so that a fresh app installs
// them with plain `yarn add`, the way it would from npm. Only the @trellis
// scope is routed here (see the app's .yarnrc.yml); everything else comes from
// the usual registry.
//
//   node registry.mjs <tarball folder> <port>
import { createServer } from 'node:http';
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync, createReadStream } from 'node:fs';
import { join } from 'node:path';

const [dir, portArg] = process.argv.slice(2);
if (!dir || !portArg) {
  console.error('usage: registry.mjs <tarball folder> <port>');
  process.exit(2);
}
const port = Number(portArg);
const base = `http://127.0.0.1:${port}`;

/** name -> packument */
const packuments = new Map();
/** file name -> path */
const tarballs = new Map();

for (const file of readdirSync(dir).filter(f => f.endsWith('.tgz'))) {
  const path = join(dir, file);
  const manifest = JSON.parse(
    execFileSync('tar', ['-xOzf', path, 'package/package.json'], {
      encoding: 'utf8',
    }),
  );
  const bytes = readFileSync(path);
  const version = {
    ...manifest,
    _id: `${manifest.name}@${manifest.version}`,
    dist: {
      tarball: `${base}/-/${encodeURIComponent(file)}`,
      shasum: createHash('sha1').update(bytes).digest('hex'),
      integrity: `sha512-${createHash('sha512')
        .update(bytes)
        .digest('base64')}`,
    },
  };
  const packument = packuments.get(manifest.name) ?? {
    name: manifest.name,
    'dist-tags': {},
    versions: {},
    time: {},
  };
  packument.versions[manifest.version] = version;
  packument['dist-tags'].latest = manifest.version;
  packument.time[manifest.version] = new Date().toISOString();
  packuments.set(manifest.name, packument);
  tarballs.set(file, path);
}

// Ends with the script that started it, even when that one is killed.
const parent = process.ppid;
setInterval(() => {
  if (process.ppid !== parent) process.exit(0);
}, 1000).unref();

createServer((req, res) => {
  const url = decodeURIComponent((req.url ?? '/').split('?')[0]);
  if (url.startsWith('/-/')) {
    const path = tarballs.get(url.slice(3));
    if (path) {
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      createReadStream(path).pipe(res);
      return;
    }
  } else {
    const packument = packuments.get(url.slice(1));
    if (packument) {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(packument));
      return;
    }
  }
  res.writeHead(404, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ error: 'not_found' }));
}).listen(port, '127.0.0.1', () => {
  console.log(
    `[registry] ${packuments.size} packages on ${base}: ${[
      ...packuments.keys(),
    ].join(', ')}`,
  );
});
