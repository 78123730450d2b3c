import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CoreError, FileSystemError } from '../errors';
import { atomicWriteFile } from './atomic-write';
import { describeFileSystemError, isSystemError } from './describe-file-error';

function systemError(code: string, syscall: string, file?: string): NodeJS.ErrnoException {
  const error = new Error(`${code}: something, ${syscall}${file ? ` '${file}'` : ''}`) as NodeJS.ErrnoException;
  error.code = code;
  error.syscall = syscall;
  if (file) error.path = file;
  return error;
}

describe('describeFileSystemError', () => {
  it('names the file, what happened and what to do, in one line, for each kind of failure', () => {
    const cases: Array<[string, string, string, RegExp]> = [
      ['ENOSPC', 'write', 'E_NO_SPACE', /^cannot write \/runs\/a\/steps\/t\/checkpoint\.tmp-1\/tensors\.bin: no space left on the device \(ENOSPC\)\. Everything written before is intact\. Free some space on that device, then continue with: core-run resume \/runs\/a\.$/],
      ['EDQUOT', 'write', 'E_NO_SPACE', /disk quota is used up \(EDQUOT\).*Free some space \(or raise the quota\), then continue with/],
      ['EROFS', 'open', 'E_READ_ONLY', /^cannot write .*: the file system is read-only \(EROFS\)\..*Make it writable .*, then continue with: core-run resume \/runs\/a\.$/],
      ['EACCES', 'open', 'E_NO_PERMISSION', /permission denied \(EACCES\)\..*Give this user write access to \/runs\/a\/steps\/t\/checkpoint\.tmp-1, then continue with/],
      ['EIO', 'write', 'E_IO', /the device reported an input\/output error \(EIO\)\..*Check the disk/],
      ['EWHATEVER', 'write', 'E_IO', /\(EWHATEVER\)\..*Fix the cause, then continue with/],
    ];
    const file = '/runs/a/steps/t/checkpoint.tmp-1/tensors.bin';
    for (const [system, syscall, code, message] of cases) {
      const described = describeFileSystemError(systemError(system, syscall), { path: file, next: 'core-run resume /runs/a', note: 'Everything written before is intact.' });
      expect(FileSystemError.isInstance(described), system).toBe(true);
      expect(described).toMatchObject({ code, path: file, systemCode: system });
      expect((described as Error).message, system).toMatch(message);
      expect((described as Error).message).not.toContain('\n');
    }
  });

  it('prefers the file it is told about, reads the verb from the system call, and names both ends of a rename', () => {
    const reading = describeFileSystemError(systemError('EACCES', 'open', '/x/run.json'), { writing: false }) as Error;
    expect(reading.message).toBe('cannot read /x/run.json: permission denied (EACCES). Give this user read access to /x, then try again.');
    const renaming = systemError('EROFS', 'rename', '/x/a.tmp');
    (renaming as { dest?: string }).dest = '/x/a';
    expect((describeFileSystemError(renaming) as Error).message).toMatch(/^cannot rename \/x\/a\.tmp to \/x\/a: the file system is read-only/);
    expect((describeFileSystemError(systemError('ENOSPC', 'mkdir', '/x/d')) as Error).message).toMatch(/^cannot create the directory \/x\/d: no space/);
  });

  it('describes an already described error again only with new advice, and passes other errors through', () => {
    const first = describeFileSystemError(systemError('ENOSPC', 'write'), { path: '/r/summary.json' }) as FileSystemError;
    expect(first.message).toMatch(/then try again\.$/);
    expect(describeFileSystemError(first)).toBe(first);
    const again = describeFileSystemError(first, { next: 'core-run resume /r' }) as FileSystemError;
    expect(again.message).toMatch(/^cannot write \/r\/summary\.json: .*then continue with: core-run resume \/r\.$/);
    const plain = new Error('boom');
    expect(describeFileSystemError(plain)).toBe(plain);
    const core = new CoreError('E_X', 'x');
    expect(describeFileSystemError(core)).toBe(core);
    expect(isSystemError(systemError('ENOSPC', 'write'))).toBe(true);
    expect(isSystemError(core)).toBe(false);
  });

  it('is what atomicWriteFile throws, naming the target rather than its temporary file', async () => {
    const directory = await mkdtemp(path.join(os.tmpdir(), 'core-describe-'));
    try {
      const occupied = path.join(directory, 'occupied');
      await atomicWriteFile(path.join(occupied, 'inside.txt'), 'x');
      const error = await atomicWriteFile(occupied, 'y').catch((caught: unknown) => caught);
      expect(FileSystemError.isInstance(error)).toBe(true);
      expect(error).toMatchObject({ path: occupied, code: 'E_IO' });
      expect((error as Error).message).toMatch(new RegExp(`^cannot rename ${occupied}: `));
      const file = path.join(directory, 'file.txt');
      await atomicWriteFile(file, 'x');
      const inner = await atomicWriteFile(path.join(file, 'inner.txt'), 'y').catch((caught: unknown) => caught);
      expect(FileSystemError.isInstance(inner)).toBe(true);
      expect((inner as Error).message).toMatch(/^cannot create the directory .*file\.txt: /);
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
  });
});
