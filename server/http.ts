// The plain HTTP side of the server: /healthz, /metrics and the static demo page.
import { timingSafeEqual } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, resolve, sep } from 'node:path';
import type { Registry as Metrics } from 'prom-client';
import { VERSION } from '../src/version.ts';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8', '.json': 'application/json', '.map': 'application/json', '.svg': 'image/svg+xml',
  '.png': 'image/png', '.ico': 'image/x-icon', '.webmanifest': 'application/manifest+json', '.txt': 'text/plain; charset=utf-8',
};
// Scripts only from this origin; the page talks to this server's WebSocket.
const CSP = "default-src 'self'; connect-src 'self' ws: wss:; img-src 'self' data: blob:; media-src 'self' blob: mediastream:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'";

export interface HttpDeps {
  staticDirs: string[];
  metrics: Metrics;
  /** When set, /metrics needs `Authorization: Bearer <metricsToken>`. */
  metricsToken?: string;
  health(): Record<string, unknown>;
}

function reply(res: ServerResponse, status: number, type: string, body: string | Buffer, head: boolean, extra: Record<string, string> = {}) {
  res.writeHead(status, { 'Content-Type': type, 'Content-Length': Buffer.byteLength(body), 'X-Content-Type-Options': 'nosniff', 'Cache-Control': 'no-cache', ...extra });
  res.end(head ? undefined : body);
}

/** Compares a secret in constant time. */
export function sameToken(given: string | null | undefined, expected: string) {
  const a = Buffer.from(given ?? '');
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

export function httpHandler(deps: HttpDeps) {
  const dirs = deps.staticDirs.map((d) => resolve(d));
  return async (req: IncomingMessage, res: ServerResponse) => {
    const head = req.method === 'HEAD';
    if (req.method !== 'GET' && !head) return reply(res, 405, 'text/plain', 'Method Not Allowed', false, { Allow: 'GET, HEAD' });
    const path = (req.url ?? '/').split('?')[0];
    try {
      if (path === '/healthz') return reply(res, 200, 'application/json', JSON.stringify({ status: 'ok', version: VERSION, ...deps.health() }), head);
      if (path === '/metrics' && deps.metricsToken && !sameToken(req.headers.authorization, `Bearer ${deps.metricsToken}`)) {
        return reply(res, 401, 'text/plain', 'Unauthorized', head, { 'WWW-Authenticate': 'Bearer realm="metrics"' });
      }
      if (path === '/metrics') return reply(res, 200, deps.metrics.contentType, await deps.metrics.metrics(), head);
      const file = await findStatic(dirs, path);
      if (file === 400) return reply(res, 400, 'text/plain', 'Bad Request', head);
      if (!file) return reply(res, 404, 'text/plain', 'Not Found', head);
      const type = TYPES[extname(file.path)] ?? 'application/octet-stream';
      return reply(res, 200, type, file.data, head, type.startsWith('text/html') ? { 'Content-Security-Policy': CSP } : {});
    } catch {
      if (!res.headersSent) reply(res, 500, 'text/plain', 'Internal Server Error', head);
    }
  };
}

/** The file for URL `path` in the first of `dirs` that has it; never outside them. */
async function findStatic(dirs: string[], path: string): Promise<{ path: string; data: Buffer } | 400 | undefined> {
  let rel: string;
  try {
    rel = decodeURIComponent(path);
  } catch {
    return 400;
  }
  if (rel.includes('\0') || !rel.startsWith('/')) return 400;
  if (rel.endsWith('/')) rel += 'index.html';
  for (const dir of dirs) {
    const file = resolve(dir, `.${rel}`);
    if (!file.startsWith(dir + sep)) return 400;
    try {
      return { path: file, data: await readFile(file) };
    } catch {
      // not in this folder: try the next one
    }
  }
  return undefined;
}
