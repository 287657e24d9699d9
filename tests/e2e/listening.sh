# Sourced by scripts that wait for a server's "listening on" line: the helpers live in
# scripts/lib/serve.sh (`wait_listening`, `serve_start`, `serve_stop`).
source "$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/scripts/lib/serve.sh"
