// What `npm pack` ships: only what users need, and every entry point resolves from the tarball in
// a bare Node process (the package unpacked into a scratch node_modules, its dependencies linked).
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';

const root = resolve(import.meta.dirname, '../..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));

/** Every file path an `exports` entry (or main/types/bin/customElements) points at. */
function targets(): string[] {
  const out: string[] = [];
  const walk = (v: unknown) => {
    if (typeof v === 'string') out.push(v.replace(/^\.\//, ''));
    else if (v && typeof v === 'object') Object.values(v).forEach(walk);
  };
  walk(pkg.exports);
  walk([pkg.main, pkg.types, pkg.customElements, pkg.unpkg, pkg.jsdelivr, pkg.bin]);
  return [...new Set(out)];
}

describe('npm pack', () => {
  let scratch = '';
  let files: string[] = [];

  before(() => {
    scratch = mkdtempSync(join(tmpdir(), 'jsongle-pack-'));
    const [info] = JSON.parse(execFileSync('npm', ['pack', '--json', '--pack-destination', scratch], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }));
    files = info.files.map((f: { path: string }) => f.path);
    const installed = join(scratch, 'node_modules', 'jsongle-elements');
    mkdirSync(installed, { recursive: true });
    execFileSync('tar', ['-xzf', join(scratch, info.filename), '-C', installed, '--strip-components=1']);
    // The package's dependencies, as npm would install them beside it.
    for (const name of readdirSync(join(root, 'node_modules'))) {
      if (name.startsWith('.') || name === 'jsongle-elements') continue;
      symlinkSync(join(root, 'node_modules', name), join(scratch, 'node_modules', name));
    }
  });
  after(() => rmSync(scratch, { recursive: true, force: true }));

  it('ships every file its entry points name', () => {
    const missing = targets().filter((t) => !files.includes(t));
    assert.deepEqual(missing, []);
  });

  it('ships nothing but dist/, custom-elements.json, README and package.json', () => {
    const extra = files.filter((f) => !/^(dist\/|custom-elements\.json$|README\.md$|LICENSE$|package\.json$)/.test(f));
    assert.deepEqual(extra, []);
    // No sources, tests or benchmark in the tarball; the demo only as built (dist/demo/, served at /).
    assert.deepEqual(files.filter((f) => /^(src|components|server|test|demo|bench|scripts)\/|\.test\.|^dist\/demo\/.*\.ts$/.test(f)), []);
    for (const file of ['dist/jsongle-elements.min.js', 'dist/autoloader.js', 'dist/index.js', 'dist/core/index.js', 'dist/server/index.js', 'dist/translations/fr.js',
      'dist/types/components/index.d.ts', 'dist/types/src/index.d.ts', 'dist/types/server/index.d.ts', 'custom-elements.json',
      'dist/demo/index.html', 'dist/demo/serverless.html', 'dist/demo/demo.css', 'dist/demo/demo.js', 'dist/demo/jsongle-elements.min.js']) {
      assert.ok(files.includes(file), `${file} is in the tarball`);
    }
    // Every chunk the autoloader imports (their names are content hashes).
    const chunks = Object.keys(JSON.parse(readFileSync(join(root, 'dist/sizes.json'), 'utf8')).chunks).length;
    assert.ok(chunks === 4 && files.filter((f) => /^dist\/chunks\/jsongle-\w+-\w+\.js$/.test(f)).length === chunks, 'the four element chunks are in the tarball');
  });

  it('resolves core, transports, server, translations and the manifest from the unpacked tarball', () => {
    const script = `
      import { JSONgle } from 'jsongle-elements/core';
      import { createMemoryPair } from 'jsongle-elements/transports';
      import { createServer } from 'jsongle-elements/server';
      import { fr } from 'jsongle-elements/translations/fr';
      import { createRequire } from 'node:module';
      const manifest = createRequire(import.meta.url)('jsongle-elements/custom-elements.json');
      const server = await createServer({ port: 0, host: '127.0.0.1' });
      const health = await (await fetch(server.url + '/healthz')).json();
      await server.close();
      const [a] = createMemoryPair();
      const client = new JSONgle({ transport: a, user: { uid: 'alice' } });
      console.log(JSON.stringify({
        name: client.name, status: health.status, fr: fr['call.accept'],
        tags: manifest.modules.flatMap((m) => m.declarations ?? []).map((d) => d.tagName).filter(Boolean).sort(),
      }));
      client.close();`;
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], { cwd: scratch, encoding: 'utf8', timeout: 20000 });
    assert.deepEqual(JSON.parse(out.trim().split('\n').at(-1)!), {
      name: 'jsongle-elements', status: 'ok', fr: 'Accepter',
      tags: ['jsongle-call', 'jsongle-chat', 'jsongle-connection', 'jsongle-dialer'],
    });
  });

  it('runs the jsongle-server command from the tarball', () => {
    const bin = join(scratch, 'node_modules', 'jsongle-elements', pkg.bin['jsongle-server']);
    const help = execFileSync(process.execPath, [bin, '--help'], { cwd: scratch, encoding: 'utf8', timeout: 20000 });
    assert.match(help, /JSONGLE_APP_TOKEN/);
    assert.match(help, /PORT/);
  });

  it('serves the demo at / from the tarball, as the command says', async () => {
    const bin = join(scratch, 'node_modules', 'jsongle-elements', pkg.bin['jsongle-server']);
    const child = spawn(process.execPath, [bin], { cwd: scratch, env: { ...process.env, PORT: '0', HOST: '127.0.0.1' }, stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      const said = await new Promise<string>((resolve, reject) => {
        let out = '';
        const timer = setTimeout(() => reject(new Error(`jsongle-server said no URL within 20 s: ${out}`)), 20000);
        child.stdout.on('data', (d) => {
          out += d;
          if (/open http\S+\/ /.test(out)) { clearTimeout(timer); resolve(out); }
        });
        child.on('exit', (code) => { clearTimeout(timer); reject(new Error(`jsongle-server exited (${code}): ${out}`)); });
      });
      const url = /open (http:\/\/\S+\/)/.exec(said)?.[1]?.replace('localhost', '127.0.0.1');
      assert.ok(url, `the URL to open: ${said}`);
      const page = await fetch(url);
      assert.equal(page.status, 200);
      assert.match(await page.text(), /<jsongle-call /);
      for (const file of ['jsongle-elements.min.js', 'demo.js', 'demo.css', 'serverless.html']) {
        assert.equal((await fetch(url + file)).status, 200, `/${file}`);
      }
    } finally {
      child.kill();
    }
  });
});
