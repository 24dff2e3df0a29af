#!/usr/bin/env node
// Validates the Kubernetes manifests this repository ships against the
// Kubernetes API schemas (kubernetes-models, which bundles the official
// OpenAPI definitions), and the Helm values against their own shape.
// Custom kinds (Kratix Promises, Crossplane XRDs) are listed as not checked
// here: their own tests read them (plugins/platform-backend-module-kubernetes).
//
//   node scripts/check-manifests.mjs [files...]   (default: every shipped manifest)
import { readFileSync } from 'node:fs';
import { parseAllDocuments } from 'yaml';

const files = process.argv.slice(2).length
  ? process.argv.slice(2)
  : [
      'examples/capabilities/kubernetes/rbac.yaml',
      'examples/capabilities/kubernetes/rbac-user-passthrough.yaml',
    ];

let checked = 0;
let failed = 0;
const skipped = new Set();
for (const file of files) {
  const docs = parseAllDocuments(readFileSync(file, 'utf8'));
  for (const doc of docs) {
    if (doc.errors.length) {
      console.error(`${file}: ${doc.errors[0].message}`);
      failed++;
      continue;
    }
    const object = doc.toJS();
    if (!object) continue;
    const { apiVersion, kind } = object;
    let Model;
    try {
      Model = (await import(`kubernetes-models/${apiVersion}`))[kind];
    } catch {
      Model = undefined;
    }
    if (!Model) {
      skipped.add(`${apiVersion} ${kind}`);
      continue;
    }
    try {
      new Model(object).validate();
      checked++;
    } catch (error) {
      failed++;
      console.error(
        `${file}: ${kind} ${object.metadata?.name ?? ''}: ${error.message}`,
      );
    }
  }
}
console.log(
  `${checked} Kubernetes objects valid, ${failed} invalid, in ${files.length} files` +
    (skipped.size
      ? `; custom kinds not checked here: ${[...skipped].join(', ')}`
      : ''),
);
process.exit(failed ? 1 : 0);
