#!/usr/bin/env bash
# Media benchmarks.
#  1. espeak-ng real-time factor: synthesis wall time / audio duration, for
#     an English and a French paragraph, through `webox tts` (process start,
#     plugin load and file write included) — the honest end-to-end figure.
#  2. A 10 MB streamed audio body from the loopback fake (ElevenLabs route,
#     64 KiB chunks): `webox tts -o FILE` against `curl -o FILE` of the same
#     request. Target: webox <= 1.05x curl.
set -euo pipefail
cd "$(dirname "$0")/.."
webox=${WEBOX_BIN:-$PWD/build/bin/webox}
size=${SIZE:-10485760}
runs=${RUNS:-20}
home=$(mktemp -d)
coproc FAKE { exec python3 tests/fakes/fake_media.py 0; }
read -r port <&"${FAKE[0]}"
trap 'kill $FAKE_PID 2>/dev/null; rm -rf "$home"' EXIT
export XDG_CONFIG_HOME=$home/c XDG_DATA_HOME=$home/d XDG_STATE_HOME=$home/s XDG_CACHE_HOME=$home/k
export ELEVENLABS_API_KEY=test-key ELEVENLABS_BASE_URL=http://127.0.0.1:$port

en="Webox puts many AI providers behind one fast command. This paragraph measures how quickly the offline engine turns text into speech, compared with the duration of the speech itself."
fr="Bonjour, bienvenue dans votre entraînement. Nous allons répéter quelques questions d'entretien, puis je vous donnerai un retour détaillé sur vos réponses."
echo "== espeak-ng real-time factor (wall time of webox tts / audio duration)"
for voice in en fr; do
  text=$en; [ "$voice" = fr ] && text=$fr
  "$webox" tts -v "$voice" "$text" -o "$home/$voice.wav" >/dev/null
  seconds=$(python3 -c "import wave,sys; w=wave.open(sys.argv[1]); print(w.getnframes()/w.getframerate())" "$home/$voice.wav")
  hyperfine -N --warmup 2 --runs "$runs" --export-json "$home/$voice.json" \
    "$webox tts -v $voice \"$text\" -o $home/$voice.wav" >/dev/null
  python3 - "$home/$voice.json" "$seconds" "$voice" <<'PY'
import json, sys
mean = json.load(open(sys.argv[1]))["results"][0]["mean"]
audio = float(sys.argv[2])
print(f"{sys.argv[3]}: {audio:.2f} s of audio in {mean*1000:.1f} ms -> RTF {mean/audio:.4f} ({audio/mean:.0f}x real time)")
PY
done

echo "== $size bytes of streamed audio: curl -o vs webox tts -o"
url="http://127.0.0.1:$port/v1/text-to-speech/bench?output_format=mp3_44100_128"
hyperfine -N --warmup 2 --runs "$runs" \
  "curl -s -X POST -H 'xi-api-key: test-key' -H 'Content-Type: application/json' -d '{\"text\":\"x\",\"model_id\":\"eleven_multilingual_v2\",\"size\":$size}' -o $home/curl.mp3 $url" \
  "$webox tts -m elevenlabs -v bench --option size=$size x -o $home/webox.mp3"
cmp <(head -c 100 "$home/curl.mp3") <(head -c 100 "$home/webox.mp3") && echo "same bytes at the start; sizes: $(stat -c %s "$home/curl.mp3") $(stat -c %s "$home/webox.mp3")"
