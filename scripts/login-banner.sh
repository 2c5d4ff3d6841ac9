#!/usr/bin/env bash
# Print where the portal is and how to log in as the demo sysadmin.
source "$(dirname "$0")/lib.sh"
ini="$GOVOPEN_LOCAL/portals/${1:?portal name}/ckan.ini"
port=$(sed -n 's/^ckan.devserver.port = //p' "$ini")
login=$("$GOVOPEN_VENV/bin/ckan" -c "$ini" govopen demo login 2>/dev/null)
cat <<MSG

  政府数据开放平台已启动 / The portal is running:  http://127.0.0.1:$port
  演示管理员 / Demo sysadmin:  $login
  停止 / Stop:  make stop

MSG
