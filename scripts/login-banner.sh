#!/usr/bin/env bash
# Print where the portal is and how to log in as the demo sysadmin.
source "$(dirname "$0")/lib.sh"
ini="$GOVOPEN_LOCAL/portals/${1:?portal name}/ckan.ini"
port=$(sed -n 's/^ckan.devserver.port = //p' "$ini")
login=$("$GOVOPEN_VENV/bin/ckan" -c "$ini" govopen demo login 2>/dev/null)
cat <<MSG

  政府数据开放平台已启动 / The portal is running:  http://127.0.0.1:$port
  演示管理员 / Demo sysadmin:  $(head -1 <<<"$login")
  演示用户 / Demo users (申请人、部门审核员、数据主管部门):
$(tail -n +2 <<<"$login" | sed 's/^/  /')
  申请办理 / Request desk:  http://127.0.0.1:$port/requests
  停止 / Stop:  make stop

MSG
