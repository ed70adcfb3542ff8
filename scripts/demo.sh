#!/usr/bin/env bash
# Installs what is missing, builds, and runs webox's main job on embedded
# defaults: no API key, no network. Everything it writes goes to a throwaway
# home under build/demo-home, so your own config and history are untouched.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh >/dev/null
webox=$PWD/build/bin/webox

demo_home=$PWD/build/demo-home
rm -rf "$demo_home"
export XDG_CONFIG_HOME=$demo_home/config XDG_DATA_HOME=$demo_home/data
export XDG_STATE_HOME=$demo_home/state XDG_CACHE_HOME=$demo_home/cache
unset WEBOX_CONFIG WEBOX_DB WEBOX_MODEL WEBOX_PLUGIN_PATH

step() { printf '\n\033[1m$ %s\033[0m\n' "$*"; "$@"; }

step "$webox" --version
step "$webox" plugins list
step "$webox" chat -m echo "Bonjour ! Ceci est une démonstration hors ligne de webox 🚀"
step "$webox" chat -c "Et voici la suite de la même conversation."
printf 'int main() { return 0; }\n' > "$demo_home/main.c"
echo
echo "\$ cat main.c | webox chat -m echo:messages -s 'Tu relis du code' 'Relis ce fichier'"
"$webox" chat -m echo:messages -s "Tu relis du code" "Relis ce fichier" < "$demo_home/main.c"
step "$webox" chat -m echo --assistant traducteur --json "Good morning"
step "$webox" compare -m echo -m echo:slow -o delay_ms=5 "Quelle est la capitale de l'Australie ?"
step "$webox" stats --by model
step "$webox" logs -n 2
step "$webox" logs export last --format md
step "$webox" config explain
step "$webox" tts -v fr "Bonjour, bienvenue dans votre entraînement." -o "$demo_home/bienvenue.wav"
step "$webox" tts -v en "I led the migration of our billing system to C plus plus" -o "$demo_home/answer.wav"
step "$webox" workflow list
step "$webox" workflow run interview-speech --var answer_audio="$demo_home/answer.wav" --var out="$demo_home/interview"
step "$webox" prompts list --category interview
step "$webox" media list
step "$webox" scrape-interactions --platform instagram-export --from "$(dirname "$0")/../data/samples/instagram-export"
step "$webox" leads list
echo
echo "Done. The demo's files are in $demo_home."
