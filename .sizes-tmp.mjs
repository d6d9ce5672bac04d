import { build } from 'esbuild';
import { common } from './scripts/bundles.mjs';
const entry = process.argv[2] ?? 'components/index.ts';
const r = await build({ ...common, entryPoints: [entry], write: false, metafile: true, outdir: '/tmp/sz', platform: 'browser' });
const out = Object.values(r.metafile.outputs).find((o) => o.entryPoint);
const rows = Object.entries(out.inputs).map(([k, v]) => [k.replace(/^node_modules\//, 'nm/'), v.bytesInOutput]).sort((a, b) => b[1] - a[1]);
const groups = {};
for (const [k, v] of rows) { const g = k.startsWith('nm/') ? k.split('/').slice(0, k.includes('@') ? 3 : 2).join('/') : k.split('/').slice(0, 2).join('/'); groups[g] = (groups[g] ?? 0) + v; }
console.log('total raw', rows.reduce((s, r) => s + r[1], 0));
console.log(Object.entries(groups).sort((a, b) => b[1] - a[1]).map(([k, v]) => `${v}\t${k}`).join('\n'));
console.log('---');
console.log(rows.slice(0, 60).map(([k, v]) => `${v}\t${k}`).join('\n'));
