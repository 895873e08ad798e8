// A real S3 API server (s3rver, npm) for the tests, in a process of its own: prints "port N" once it listens.
// Node >= 17 needs --openssl-legacy-provider for s3rver's continuation tokens (paged ListObjectsV2).
import S3rver from 's3rver';

const [directory, ...buckets] = process.argv.slice(2);
// Signatures are checked with the access key S3RVER; a mismatched one is allowed, so tests can give a secret
// of their own and look for it in what the product prints.
const server = new S3rver({ port: 0, address: '127.0.0.1', silent: true, directory, allowMismatchedSignatures: true, configureBuckets: buckets.map((name) => ({ name })) });
const { port } = await server.run();
process.stdout.write(`port ${port}\n`);
process.on('SIGTERM', () => server.close().finally(() => process.exit(0)));
