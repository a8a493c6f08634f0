// Peer baseline: serves a JS fixture app (tests/fixtures/js, written for the Service Worker style
// `addEventListener('fetch')` API that StarlingMonkey offers) on Node's own node:http server, with
// Node's built-in Request/Response/Headers/fetch. One long-lived isolate per process, the usual way
// Node serves JS, against Tern's fresh component instance per request.
// Usage: node node-js-handler.mjs APP.js PORT [PROCESSES]   (PROCESSES > 1: node:cluster workers)
import cluster from 'node:cluster';
import http from 'node:http';
import { resolve } from 'node:path';
import { Readable } from 'node:stream';
import { pathToFileURL } from 'node:url';

const [, , appPath, portArg, procArg] = process.argv;
if (!appPath || !portArg) {
  console.error('usage: node node-js-handler.mjs APP.js PORT [PROCESSES]');
  process.exit(2);
}
const port = Number(portArg);
const processes = Math.max(1, Number(procArg || 1));

// The app registers its handler through the global addEventListener, as in a Service Worker.
let listener = null;
globalThis.addEventListener = (type, fn) => {
  if (type === 'fetch') listener = fn;
};

function toRequest(req) {
  const headers = new Headers();
  for (let i = 0; i < req.rawHeaders.length; i += 2) headers.append(req.rawHeaders[i], req.rawHeaders[i + 1]);
  const init = { method: req.method, headers };
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    init.body = Readable.toWeb(req);
    init.duplex = 'half';
  }
  return new Request(`http://${req.headers.host ?? 'localhost'}${req.url}`, init);
}

// Runs the app's listener for one request; a throw or a rejected respondWith promise gives 500.
async function respond(request) {
  let responded = null;
  const event = { request, respondWith: (r) => { responded = Promise.resolve(r); } };
  listener(event);
  if (!responded) throw new Error('the fetch listener did not call respondWith');
  return await responded;
}

async function serve(req, res) {
  let response;
  try {
    response = await respond(toRequest(req));
  } catch (e) {
    res.writeHead(500, { 'content-type': 'text/plain' }).end('Internal Server Error\n');
    return;
  }
  // Buffered: one write for head and body (a separate final chunk would meet delayed ACKs).
  const body = Buffer.from(await response.arrayBuffer());
  const headers = [];
  for (const [name, value] of response.headers) if (name !== 'set-cookie') headers.push([name, value]);
  for (const cookie of response.headers.getSetCookie()) headers.push(['set-cookie', cookie]);
  headers.push(['content-length', String(body.length)]);
  res.writeHead(response.status, headers.flat());
  res.end(body);
}

if (processes > 1 && cluster.isPrimary) {
  for (let i = 0; i < processes; i++) cluster.fork();
  cluster.on('exit', (worker, code) => console.error(`worker ${worker.process.pid} exited (${code})`));
} else {
  await import(pathToFileURL(resolve(appPath)).href);
  if (!listener) throw new Error(`${appPath} registered no fetch listener`);
  http.createServer((req, res) => serve(req, res)).listen(port, '127.0.0.1');
}
