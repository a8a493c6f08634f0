# Shared helpers for the wrk-driven benchmark scripts (sourced, not run). The caller sets $tmp
# (a scratch folder) and $workers; every started process is recorded in `pids` and stopped by
# PID when the script exits.
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  rm -rf "$tmp"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
now_ms() { date +%s%3N; }

# Waits up to SECONDS (default 12) for a listener on loopback PORT; shows the logs in $tmp when
# none comes.
wait_port() {
  for _ in $(seq $(( ${2:-12} * 50 ))); do
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
    sleep 0.02
  done
  echo "nothing listening on port $1" >&2
  tail -5 "$tmp"/*.log "$tmp"/nginx/error.log >&2 2>/dev/null || true
  return 1
}

# start_nginx PORT [TEXT]: nginx with $workers workers answering TEXT (nginx string syntax, default
# a static hello) on loopback PORT; sets nginx_pid.
start_nginx() {
  local text=${2:-'Hello from Tern\n'}
  mkdir -p "$tmp/nginx"
  cat >"$tmp/nginx/nginx.conf" <<CONF
worker_processes $workers;
daemon off;
pid $tmp/nginx/nginx.pid;
error_log $tmp/nginx/error.log;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path $tmp/nginx/body;
  proxy_temp_path $tmp/nginx/proxy;
  fastcgi_temp_path $tmp/nginx/fastcgi;
  uwsgi_temp_path $tmp/nginx/uwsgi;
  scgi_temp_path $tmp/nginx/scgi;
  server {
    listen 127.0.0.1:$1;
    location / { default_type text/plain; return 200 "$text"; }
  }
}
CONF
  nginx -c "$tmp/nginx/nginx.conf" -p "$tmp/nginx" &
  nginx_pid=$!
  pids+=("$nginx_pid")
}
