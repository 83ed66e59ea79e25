#!/usr/bin/env bash
# scripts/tools.sh — install the command-line tools the project shells out to.
#
# Usage: scripts/tools.sh [ensure-ffmpeg|ensure-chromium|check]
#
#   ensure-ffmpeg  (default) make sure ffmpeg and ffprobe are on PATH (the
#                  transcoder in shared/media runs both). When either is
#                  missing and we are root with apt-get, install Debian's
#                  "ffmpeg" package (apt-get update first, no recommends);
#                  otherwise print what to install and exit 1.
#   ensure-chromium  make sure a Chromium for the web app's browser tests is
#                  at $CHROMIUM (default /usr/bin/chromium); as root with
#                  apt-get, install Debian's "chromium" package when missing
#                  (playwright's own browser download is not used).
#   check          print the path and version of each tool; exit 0 only if
#                  all are present. Installs nothing.
#
# Progress goes to stderr; nothing is printed on stdout except by "check".
set -euo pipefail

log() { printf '%s\n' "$*" >&2; }
die() {
  printf 'tools.sh: error: %s\n' "$*" >&2
  exit 1
}
have() { command -v "$1" >/dev/null 2>&1; }

trap 'exit 130' INT
trap 'exit 143' TERM

can_apt() { [[ $EUID -eq 0 ]] && have apt-get; }

ffmpeg_present() { have ffmpeg && have ffprobe; }

# Tell the developer exactly what to install when we cannot do it ourselves.
explain_manual_install() { # WHAT-IS-MISSING
  log "tools.sh: $1 not installed, and this script can only install it as root with apt-get."
  log "Install it, then run scripts/tools.sh ensure-ffmpeg again:"
  log "  Debian/Ubuntu: sudo apt-get install --no-install-recommends ffmpeg"
  log "  Fedora:        sudo dnf install ffmpeg   (from RPM Fusion)"
  log "  macOS:         brew install ffmpeg"
  log "  other:         a static build from https://ffmpeg.org/download.html on PATH"
  exit 1
}

cmd_ensure_ffmpeg() {
  if ffmpeg_present; then
    log "ffmpeg: present ($(command -v ffmpeg), $(command -v ffprobe))"
    return 0
  fi
  can_apt || explain_manual_install "ffmpeg/ffprobe"
  log "ffmpeg: installing with apt…"
  DEBIAN_FRONTEND=noninteractive apt-get update -q >&2 || die "apt-get update failed"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends ffmpeg >&2 ||
    die "apt-get install ffmpeg failed"
  ffmpeg_present || die "ffmpeg was installed but ffmpeg/ffprobe are still not on PATH"
  log "ffmpeg: installed ($(ffmpeg -hide_banner -version | head -n 1))"
}

chromium_path() { printf '%s' "${CHROMIUM:-/usr/bin/chromium}"; }

cmd_ensure_chromium() {
  local bin
  bin=$(chromium_path)
  if [[ -x $bin ]]; then
    log "chromium: present ($bin)"
    return 0
  fi
  if ! can_apt; then
    log "tools.sh: no Chromium at $bin, and this script can only install it as root with apt-get."
    log "  Debian/Ubuntu: sudo apt-get install chromium   (or set CHROMIUM=/path/to/chrome)"
    exit 1
  fi
  log "chromium: installing with apt…"
  DEBIAN_FRONTEND=noninteractive apt-get update -q >&2 || die "apt-get update failed"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium >&2 || die "apt-get install chromium failed"
  [[ -x $bin ]] || die "chromium was installed but $bin is still missing (set CHROMIUM)"
  log "chromium: installed ($bin)"
}

cmd_check() {
  local ok=0 tool
  for tool in ffmpeg ffprobe; do
    if have "$tool"; then
      printf '%s\t%s\t%s\n' "$tool" "$(command -v "$tool")" "$("$tool" -hide_banner -version | head -n 1)"
    else
      printf '%s\tmissing\n' "$tool"
      ok=1
    fi
  done
  return "$ok"
}

usage() {
  sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p;}' "${BASH_SOURCE[0]}"
}

main() {
  local cmd=${1:-ensure-ffmpeg}
  case $cmd in
    -h | --help | help) usage ;;
    ensure-ffmpeg) cmd_ensure_ffmpeg ;;
    ensure-chromium) cmd_ensure_chromium ;;
    check) cmd_check ;;
    *)
      usage >&2
      die "unknown subcommand '$cmd' (expected ensure-ffmpeg, ensure-chromium or check)"
      ;;
  esac
}

main "$@"
