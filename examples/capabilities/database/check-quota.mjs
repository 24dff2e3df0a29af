// Refuses requests above the team's storage quota. This is the documented
// way to see a request fail end to end: ask for more than QUOTA_STORAGE_GB.
import { fail, readObject, writeStatus } from '../lib/kratix.mjs';

const { spec, metadata } = readObject();
const quota = Number(process.env.QUOTA_STORAGE_GB ?? '20');
const requested = Number(spec.storageGb ?? 5);

console.log(
  `Checking ${metadata.namespace}/${metadata.name}: ${requested} GiB requested, quota ${quota} GiB`,
);
if (!(requested <= quota)) {
  // The same request fails the same way every time: no point in retrying.
  fail(
    `Quota exceeded: ${requested} GiB of storage requested, the quota is ${quota} GiB. Request at most ${quota} GiB or ask the platform team to raise the quota.`,
    { retryable: false },
  );
}
writeStatus({ storageGb: requested });
