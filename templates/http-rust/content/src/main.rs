// {{project-name}}: a WAGI handler (CGI over WASI). The request arrives in the environment
// (REQUEST_METHOD, PATH_INFO, QUERY_STRING, HTTP_* headers) and the body on stdin; the response
// is written to stdout: headers, a blank line, then the body. Needs no crates.
use std::env;

fn main() {
    let path = env::var("PATH_INFO").unwrap_or_default();
    print!("Content-Type: text/plain\n\n");
    print!("Hello from {{project-name}} (Rust)\n");
    if !path.is_empty() {
        print!("path: {}\n", path);
    }
}
