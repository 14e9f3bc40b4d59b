#!/usr/bin/env bash
# Debian packages the test lanes use: real third-party clients and capture tools.
# Unit lane (npm test): openssh-client (ssh, scp, ssh-keygen), sshpass, curl,
# openssl, bsdutils (logger). The e2e lane adds the rest. test/helpers/tools.ts
# declares the same list (tool → package); tests find the tools on PATH.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
PKGS=(openssh-client openssh-server sshpass curl openssl bsdutils python3 tshark tcpdump nmap smbclient python3-impacket freerdp2-x11 xvfb xauth ssh-audit iproute2 docker-compose passwd util-linux hydra tftp-hpa swaks)
missing=()
for p in "${PKGS[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
  apt-get -o DPkg::Lock::Timeout=600 update -qq
  apt-get -o DPkg::Lock::Timeout=600 install -y -qq "${missing[@]}" >/dev/null
fi
