// Preloaded (`node --import`) into core-run by the process tests. Counts the file operations that
// change the disk (open for writing, write, fsync, rename, mkdir, rm, link, …) and, before the one
// numbered FAULT_AT (counting only operations on paths matching FAULT_MATCH, when set):
//   FAULT_ACTION=kill   kills this process with SIGKILL, as a power cut or the OOM killer would;
//   FAULT_ACTION=pause  writes FAULT_PAUSE_FILE.paused and waits until FAULT_PAUSE_FILE exists.
// With FAULT_LOG set, appends every counted operation to that file ("<n> <operation> <path>").
import { appendFileSync, existsSync, writeFileSync } from 'node:fs';
import fsPromises from 'node:fs/promises';
import { syncBuiltinESMExports } from 'node:module';

const at = Number(process.env.FAULT_AT ?? 0);
const match = process.env.FAULT_MATCH ? new RegExp(process.env.FAULT_MATCH) : undefined;
const action = process.env.FAULT_ACTION ?? 'kill';
const log = process.env.FAULT_LOG;
const pauseFile = process.env.FAULT_PAUSE_FILE;
let counted = 0;
const handlePaths = new WeakMap();

async function before(operation, target) {
  const file = typeof target === 'string' ? target : target instanceof URL ? target.pathname : handlePaths.get(target) ?? '?';
  if (match && !match.test(file)) return;
  counted += 1;
  if (log) appendFileSync(log, `${counted} ${operation} ${file}\n`);
  if (counted !== at) return;
  if (action === 'kill') process.kill(process.pid, 'SIGKILL');
  if (action === 'pause') {
    writeFileSync(`${pauseFile}.paused`, String(process.pid));
    while (!existsSync(pauseFile)) await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const writing = (flags) => typeof flags === 'string' && /[wa+]/.test(flags);
for (const name of ['writeFile', 'appendFile', 'rename', 'mkdir', 'rm', 'rmdir', 'unlink', 'link', 'truncate', 'copyFile']) {
  const original = fsPromises[name];
  fsPromises[name] = async function (target, ...rest) {
    await before(name, target);
    return original.call(this, target, ...rest);
  };
}
const originalOpen = fsPromises.open;
fsPromises.open = async function (target, flags, ...rest) {
  if (writing(flags)) await before('open', target);
  const handle = await originalOpen.call(this, target, flags, ...rest);
  handlePaths.set(handle, String(target));
  return handle;
};
syncBuiltinESMExports();

// Writes through an open file: patched on the FileHandle prototype.
const probe = await originalOpen(process.execPath, 'r');
const prototype = Object.getPrototypeOf(probe);
await probe.close();
for (const name of ['writeFile', 'write', 'sync']) {
  const original = prototype[name];
  prototype[name] = async function (...args) {
    await before(`handle.${name}`, this);
    return original.apply(this, args);
  };
}
