// {{project-name}}: a wasi:http handler in JavaScript (Service Worker style: StarlingMonkey turns
// each incoming request into a `fetch` event).
addEventListener('fetch', (event) => event.respondWith(handle(event.request)));

async function handle(request) {
  const path = new URL(request.url).pathname;
  return new Response(`Hello from {{project-name}} (JavaScript)\npath: ${path}\n`, {
    status: 200,
    headers: { 'content-type': 'text/plain' },
  });
}
