import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { checkManifest, checkPeerRange, checkPluginMeta, checkPublicTypes, checkReadmeLinks, checkSourceVersions, expectedMetadata } from './check-packages.mjs';
import { releasePlan } from './release.mjs';

const repositoryRoot = path.resolve(import.meta.dirname, '..');
const rootManifest = { repository: { type: 'git', url: 'git+https://example.test/acme/toolkit.git' } };

// The range check with a tiny comparator matcher (the real check uses the runtime's satisfiesRange).
function satisfies(version: string, range: string): boolean {
  const parse = (text: string) => text.split('.').map(Number);
  const compare = (left: number[], right: number[]) => left[0] - right[0] || left[1] - right[1] || left[2] - right[2];
  return range.split(/\s+/).every((part) => {
    const match = /^(>=|<|\^)?(\d+\.\d+\.\d+)$/.exec(part);
    if (!match) return false;
    const order = compare(parse(version), parse(match[2]));
    if (match[1] === '>=') return order >= 0;
    if (match[1] === '<') return order < 0;
    if (match[1] === '^') {
      const [major, minor] = parse(match[2]);
      const [vMajor, vMinor] = parse(version);
      return order >= 0 && (major > 0 ? vMajor === major : vMajor === 0 && vMinor === minor);
    }
    return order === 0;
  });
}
const context = { runtimeVersion: '0.2.0', satisfies };

let root: string;
let directory: string;
let manifest: Record<string, unknown>;

function write(file: string, text: string) {
  mkdirSync(path.dirname(path.join(directory, file)), { recursive: true });
  writeFileSync(path.join(directory, file), text);
}

function entry() {
  return { directory, relativeDirectory: 'packages/demo', manifest, rootManifest };
}

beforeEach(() => {
  root = mkdtempSync(path.join(os.tmpdir(), 'check-packages-'));
  directory = path.join(root, 'packages', 'demo');
  mkdirSync(directory, { recursive: true });
  // A package that passes every check, like packages/rkd.
  manifest = {
    name: '@acme/demo',
    version: '0.2.0',
    license: 'MIT',
    ...expectedMetadata(rootManifest, 'packages/demo'),
    publishConfig: { access: 'public' },
    engines: { node: '>=20' },
    keywords: ['core-plugin'],
    peerDependencies: { '@core/runtime': '>=0.2.0 <1.0.0', '@tensorflow/tfjs': '4.22.0' },
  };
  cpSync(path.join(repositoryRoot, 'LICENSE'), path.join(directory, 'LICENSE'));
  write('README.md', '# @acme/demo\n\nA demo.\n\n## Install\n\n[licence](LICENSE), [API](#api)\n');
  write('src/index.ts', "import { version, peerDependencies } from '../package.json';\nexport const meta = { version, runtime: peerDependencies['@core/runtime'] };\n");
  write('src/index.test.ts', "expect(version).toBe('0.2.0');\n");
  write('dist/index.d.ts', 'export declare const meta: { version: string; runtime: string };\nexport declare function write(stream: { write(text: string): unknown }): Uint8Array;\n');
});

afterEach(() => {
  rmSync(root, { recursive: true, force: true });
});

describe('check-packages', () => {
  it('passes a package made like packages/rkd', () => {
    expect([...checkManifest(entry()), ...checkSourceVersions(entry()), ...checkPublicTypes(entry()), ...checkReadmeLinks(entry()), ...checkPeerRange(entry(), context)]).toEqual([]);
    expect(checkPluginMeta(entry(), { meta: { version: '0.2.0', runtime: '>=0.2.0 <1.0.0' } }, context)).toEqual([]);
  });

  it('fails without LICENSE, README, repository (with directory), homepage or bugs, and with publishConfig.provenance', () => {
    rmSync(path.join(directory, 'LICENSE'));
    rmSync(path.join(directory, 'README.md'));
    manifest.repository = { type: 'git', url: 'git+https://example.test/acme/toolkit.git' };
    delete manifest.homepage;
    delete manifest.bugs;
    manifest.publishConfig = { access: 'public', provenance: true };
    const issues = checkManifest(entry()).join('\n');
    for (const expected of ['no LICENSE', 'no README.md', '"repository"', '"homepage"', '"bugs"', 'publishConfig.provenance']) expect(issues).toContain(expected);
  });

  it('fails on data packages as dependencies', () => {
    manifest.dependencies = { mnist: '1.1.0' };
    expect(checkManifest(entry()).join('\n')).toContain('"mnist" is a dependency');
  });

  it('fails on versions typed into the source, and on a literal meta.runtime', () => {
    write('src/index.ts', "export const version = '0.1.0';\nexport const meta = { runtime: '^0.1.0' };\n");
    const issues = checkSourceVersions(entry());
    expect(issues).toHaveLength(2);
    expect(issues[0]).toMatch(/^src\/index\.ts:1: version typed into the source \('0\.1\.0'\)/);
    expect(issues[1]).toMatch(/^src\/index\.ts:2: .*'\^0\.1\.0'/);
  });

  it('fails on NodeJS.* and Buffer in the public types', () => {
    write('dist/index.d.ts', 'export interface Io { stdout: NodeJS.WritableStream }\nexport declare function encode(): Buffer;\n');
    const issues = checkPublicTypes(entry()).join('\n');
    expect(issues).toContain('NodeJS namespace (NodeJS.WritableStream)');
    expect(issues).toContain('uses the Buffer');
  });

  it('fails on README links outside the package folder or to missing files, not on links in code blocks', () => {
    write('README.md', '# demo\n\nrun [the example](../../examples/demo.yaml) or [this](docs/none.md)\n\n```md\n[ignored](../../x)\n```\n\nmore\n');
    const issues = checkReadmeLinks(entry());
    expect(issues).toHaveLength(2);
    expect(issues[0]).toContain('https://example.test/acme/toolkit/blob/main/examples/demo.yaml');
    expect(issues[1]).toContain('does not exist');
  });

  it('fails on a peer range that a runtime minor would leave, that admits the next major, or uses the workspace protocol', () => {
    manifest.peerDependencies = { '@core/runtime': '^0.2.0', '@tensorflow/tfjs': '4.22.0' };
    expect(checkPeerRange(entry(), context).join('\n')).toContain("does not admit the runtime's next minor 0.3.0");
    manifest.peerDependencies = { '@core/runtime': '>=0.2.0', '@tensorflow/tfjs': '4.22.0' };
    expect(checkPeerRange(entry(), context).join('\n')).toContain('admits the next major 1.0.0');
    manifest.peerDependencies = { '@core/runtime': 'workspace:^', '@tensorflow/tfjs': '4.22.0' };
    expect(checkPeerRange(entry(), context).join('\n')).toContain('Write the range itself: ">=0.2.0 <1.0.0"');
    manifest.peerDependencies = { '@core/runtime': '>=0.3.0 <1.0.0', '@tensorflow/tfjs': '4.22.0' };
    expect(checkPeerRange(entry(), context).join('\n')).toContain('does not admit the current runtime 0.2.0');
  });

  it('fails on a meta.runtime the current runtime does not satisfy, or that differs from package.json', () => {
    const issues = checkPluginMeta(entry(), { meta: { version: '0.1.0', runtime: '^0.1.0' } }, context).join('\n');
    expect(issues).toContain('plugin.meta.version is "0.1.0" but package.json says "0.2.0"');
    expect(issues).toContain('plugin.meta.runtime is "^0.1.0" but the peer range');
    expect(issues).toContain('is not satisfied by the current @core/runtime 0.2.0');
  });

  it('the real packages/rkd manifest passes the peer-range policy', () => {
    const rkd = JSON.parse(readFileSync(path.join(repositoryRoot, 'packages', 'rkd', 'package.json'), 'utf8'));
    const runtime = JSON.parse(readFileSync(path.join(repositoryRoot, 'packages', 'runtime', 'package.json'), 'utf8'));
    expect(checkPeerRange({ manifest: rkd }, { runtimeVersion: runtime.version, satisfies })).toEqual([]);
  });
});

describe('release plan', () => {
  it('hands a registry given only as npm_config_registry to pnpm, which ignores that variable', () => {
    const plan = releasePlan([], { npm_config_registry: 'http://127.0.0.1:4873/' });
    expect(plan.registry).toBe('http://127.0.0.1:4873/');
    expect(plan.publishEnv.pnpm_config_registry).toBe('http://127.0.0.1:4873/');
    expect(plan.publishArguments).toEqual(['-r', 'publish', '--access', 'public', '--no-git-checks', '--tag', 'latest', '--registry', 'http://127.0.0.1:4873/']);
  });

  it('passes --provenance only when asked (the release job in CI), and refuses two different registries', () => {
    expect(releasePlan([], {}).publishArguments).not.toContain('--provenance');
    expect(releasePlan(['--provenance'], {}).publishArguments).toContain('--provenance');
    expect(() => releasePlan([], { npm_config_registry: 'http://a.test/', pnpm_config_registry: 'http://b.test/' })).toThrow(/differ/);
    expect(releasePlan(['--registry', 'http://c.test/'], { npm_config_registry: 'http://a.test/', pnpm_config_registry: 'http://b.test/' }).registry).toBe('http://c.test/');
  });
});
