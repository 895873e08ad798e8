// Why a file or folder could not be read, in words, without a stack trace: "permission denied (EACCES)".
export function describeFsError(error: unknown): string {
  const { code, message } = error as NodeJS.ErrnoException;
  const words: Record<string, string> = {
    EACCES: 'permission denied',
    EPERM: 'operation not permitted',
    ENOENT: 'it does not exist (a symlink that points nowhere?)',
    ELOOP: 'too many levels of symlinks (a symlink loop)',
    EISDIR: 'it is a folder',
    ENOTDIR: 'a part of its path is not a folder',
    EIO: 'input/output error',
    EMFILE: 'too many open files',
    ENAMETOOLONG: 'its name is too long',
  };
  if (code && words[code]) return `${words[code]} (${code})`;
  // Node's messages name the call and the path ("EBUSY: resource busy, open '/x'"): keep the reason only.
  return code ? `${String(message).replace(/^[A-Z]+: /, '').replace(/, \w+ '.*'$/, '')} (${code})` : String(message);
}
