#!/usr/bin/env bash
# Installs pro380-mqtt as a systemd service (README "Running as a service"):
#   the release binary            -> $PREFIX/bin/pro380-mqtt (static Swift runtime: no toolchain needed to run it)
#   the sample config             -> /etc/pro380-mqtt/config.yaml, only if there is none (never overwritten);
#                                    the current sample always goes to /etc/pro380-mqtt/config.yaml.sample
#   the system user pro380-mqtt   -> in group dialout (sysusers.d file, applied with systemd-sysusers or useradd)
#   the state directory           -> /var/lib/pro380-mqtt (the outbox file's default folder, owned by the user)
#   the unit                      -> /etc/systemd/system/pro380-mqtt.service, ExecStart at $PREFIX/bin, enabled
# Options:
#   --prefix DIR     where the binary goes (default /usr/local: $PREFIX/bin/pro380-mqtt)
#   --destdir DIR    stage everything under DIR instead of / (packaging, tests): no user is created and systemctl
#                    is not run; the staged config is checked with check-config --root DIR
#   --binary FILE    install this binary instead of building one
#   --no-systemctl   do not run systemctl (daemon-reload, enable)
#   --no-user        do not create the user
# Idempotent: run it again after a git pull to update the binary and the unit; the config stays.
set -euo pipefail
cd "$(dirname "$0")/.."

prefix=/usr/local
destdir=""
binary=""
systemctl_run=1
user_create=1
while [ $# -gt 0 ]; do
    case "$1" in
        --prefix) prefix="${2:?--prefix needs a folder}"; shift 2 ;;
        --destdir) destdir="${2:?--destdir needs a folder}"; shift 2 ;;
        --binary) binary="${2:?--binary needs a file}"; shift 2 ;;
        --no-systemctl) systemctl_run=0; shift ;;
        --no-user) user_create=0; shift ;;
        -h|--help) sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "install: unknown option $1 (see --help)" >&2; exit 2 ;;
    esac
done
case "$prefix" in /*) ;; *) echo "install: --prefix must be an absolute path" >&2; exit 2 ;; esac
if [ -n "$destdir" ]; then
    mkdir -p "$destdir"
    destdir="$(cd "$destdir" && pwd)"
    systemctl_run=0
    user_create=0
fi
user=pro380-mqtt
unit=pro380-mqtt.service
bindir="$prefix/bin"
say() { echo "install: $*"; }

if [ -z "$binary" ]; then
    scripts/setup.sh
    say "building the release binary (static Swift runtime)"
    scripts/build-release.sh
    binary=".build/release/pro380-mqtt"
fi
[ -x "$binary" ] || { echo "install: $binary is not an executable" >&2; exit 2; }

say "binary -> $destdir$bindir/pro380-mqtt"
install -D -m 0755 "$binary" "$destdir$bindir/pro380-mqtt"

if [ "$user_create" -eq 1 ]; then
    install -D -m 0644 config/pro380-mqtt.sysusers /etc/sysusers.d/pro380-mqtt.conf
    if command -v systemd-sysusers >/dev/null 2>&1 && systemd-sysusers /etc/sysusers.d/pro380-mqtt.conf; then
        say "user $user (group dialout) by systemd-sysusers"
    else
        getent passwd "$user" >/dev/null ||
            useradd --system --user-group --home-dir /var/lib/pro380-mqtt --no-create-home \
                --shell /usr/sbin/nologin "$user"
        usermod -a -G dialout "$user"
        say "user $user (group dialout) by useradd"
    fi
else
    install -D -m 0644 config/pro380-mqtt.sysusers "$destdir/etc/sysusers.d/pro380-mqtt.conf"
    say "user: not created (the sysusers.d file is staged at $destdir/etc/sysusers.d/pro380-mqtt.conf)"
fi
owner=""
if [ "$user_create" -eq 1 ] && getent passwd "$user" >/dev/null; then owner="$user"; fi

confdir="$destdir/etc/pro380-mqtt"
install -d -m 0750 "$confdir"
install -m 0640 config/example.yaml "$confdir/config.yaml.sample"
if [ -e "$confdir/config.yaml" ]; then
    say "config: $confdir/config.yaml kept (the current sample is config.yaml.sample)"
else
    install -m 0640 config/example.yaml "$confdir/config.yaml"
    say "config: $confdir/config.yaml from the sample: edit it"
fi
statedir="$destdir/var/lib/pro380-mqtt"
install -d -m 0750 "$statedir"
if [ -n "$owner" ]; then
    chown "root:$owner" "$confdir" "$confdir/config.yaml" "$confdir/config.yaml.sample"
    chown "$owner:$owner" "$statedir"
fi

unitdir="$destdir/etc/systemd/system"
install -d -m 0755 "$unitdir"
sed "s|^ExecStart=/usr/local/bin/pro380-mqtt |ExecStart=$bindir/pro380-mqtt |" config/pro380-mqtt.service \
    > "$unitdir/$unit.new"
chmod 0644 "$unitdir/$unit.new"
mv "$unitdir/$unit.new" "$unitdir/$unit"
say "unit -> $unitdir/$unit"

# The unit as systemd reads it; in a staged tree with ExecStart pointing into it (the real path is not there yet).
if command -v systemd-analyze >/dev/null 2>&1; then
    check="$(mktemp -d)"
    sed "s|^ExecStart=$bindir/|ExecStart=$destdir$bindir/|" "$unitdir/$unit" > "$check/$unit"
    if systemd-analyze verify "$check/$unit"; then say "unit verified (systemd-analyze verify)"; else
        rm -rf "$check"; echo "install: systemd-analyze verify failed" >&2; exit 1; fi
    rm -rf "$check"
fi
if [ -n "$destdir" ]; then
    "$destdir$bindir/pro380-mqtt" check-config --root "$destdir" "$confdir/config.yaml"
fi

if [ "$systemctl_run" -eq 1 ]; then
    if systemctl daemon-reload && systemctl enable "$unit"; then
        say "enabled $unit"
    else
        say "systemctl failed (no systemd running here?): enable it later with systemctl enable $unit"
    fi
fi
cat <<NEXT
install: next steps
  1. edit /etc/pro380-mqtt/config.yaml (serial devices by /dev/serial/by-id/..., broker, meters)
  2. $bindir/pro380-mqtt check-config /etc/pro380-mqtt/config.yaml
  3. systemctl start $unit; systemctl status $unit; journalctl -u $unit -f
NEXT
