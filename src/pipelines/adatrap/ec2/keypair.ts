import { CreateKeyPairCommand, DeleteKeyPairCommand, type EC2Client } from '@aws-sdk/client-ec2';
import { open, rm } from 'node:fs/promises';
import { awsReason, errorName } from './clients.js';
import { TAG } from './instances.js';

// A new EC2 key pair, its private key written to `file` with mode 0600. The file is made (exclusively) before
// the key pair is asked for: an existing file is refused with nothing created, and a key pair whose private key
// could not be kept is deleted again.
export async function createKeyPairFile(ec2: EC2Client, name: string, file: string): Promise<{ fingerprint?: string }> {
  const handle = await open(file, 'wx', 0o600).catch((error: NodeJS.ErrnoException) => {
    throw new Error(error.code === 'EEXIST' ? `${file} exists already; it is not overwritten (move it away, or name another key pair)` : `cannot create ${file}: ${error.code ?? error.message}`);
  });
  let created = false;
  try {
    const out = await ec2
      .send(new CreateKeyPairCommand({ KeyName: name, KeyType: 'rsa', KeyFormat: 'pem', TagSpecifications: [{ ResourceType: 'key-pair', Tags: [{ Key: TAG.kind, Value: 'adatrap' }] }] }))
      .catch((error) => {
        throw new Error(errorName(error) === 'InvalidKeyPair.Duplicate' ? `the key pair "${name}" exists already in EC2; name another one, or delete it in EC2 first` : `creating the key pair "${name}": ${awsReason(error)}`);
      });
    created = true;
    if (!out.KeyMaterial) throw new Error(`EC2 created the key pair "${name}" but sent no private key`);
    await handle.writeFile(out.KeyMaterial.endsWith('\n') ? out.KeyMaterial : `${out.KeyMaterial}\n`);
    await handle.chmod(0o600); // whatever the umask made of it
    await handle.close();
    return { ...(out.KeyFingerprint ? { fingerprint: out.KeyFingerprint } : {}) };
  } catch (error) {
    await handle.close().catch(() => {});
    await rm(file, { force: true });
    if (created) await ec2.send(new DeleteKeyPairCommand({ KeyName: name })).catch(() => {});
    throw error;
  }
}
