// Starts s3rver (an S3-compatible server) on a free loopback port with the bucket
// `maillage`, in a fresh directory, and prints `listening http://127.0.0.1:PORT DIRECTORY`.
// It stops when its standard input closes (the test harness dropped it).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import S3rver from 's3rver';

const directory = mkdtempSync(join(tmpdir(), 'maillage-s3-'));
const server = new S3rver({
  address: '127.0.0.1',
  port: 0,
  silent: true,
  directory,
  configureBuckets: [{ name: 'maillage' }],
});
const { address, port } = await server.run();
console.log(`listening http://${address}:${port} ${directory}`);
const stop = async () => {
  await server.close();
  rmSync(directory, { recursive: true, force: true });
  process.exit(0);
};
process.stdin.on('end', stop);
process.stdin.on('close', stop);
process.stdin.resume();
