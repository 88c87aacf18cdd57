#!/usr/bin/env bash
# Soak: the tool under sustained load must not crash natively and must repeat its bytes.
#
#   bench/soak.sh [WORK_DIR]
#
# While SOAK_LOAD busy processes (default 6) keep every core busy, it runs
#   1. local Infer of a tiny bank (base and finetuned), SOAK_RUNS times (default 20), each into a fresh
#      data and results folder; every run must exit 0 with the bytes of the first;
#   2. lora serve over the same bank, answering SOAK_CLIENTS concurrent clients (default 4) for
#      SOAK_SERVE_SECONDS (default 300); every answer must be a 200 with the text of the first answer
#      to the same request;
#   3. lora bench soak --gc-stress for SOAK_GC_SECONDS (default 60): generation on two threads while
#      another forces garbage collections and finalizers without pause.
# It prints one line per part and the highest load average seen, and exits 1 if anything failed.
# Needs only the .NET SDK and curl. The tool is built into .build/tool as build.sh does.
set -uo pipefail
cd "$(dirname "$0")/.."
work=${1:-$(mktemp -d)}
runs=${SOAK_RUNS:-20}
load=${SOAK_LOAD:-6}
clients=${SOAK_CLIENTS:-4}
serve_seconds=${SOAK_SERVE_SECONDS:-300}
gc_seconds=${SOAK_GC_SECONDS:-60}
mkdir -p "$work"
failed=0

if ! out=$(dotnet build src/MetaLora.Cli/MetaLora.Cli.csproj -c Release -o .build/tool -nologo -v quiet -clp:NoSummary 2>&1); then
  echo "$out" >&2
  exit 2
fi
lora() { dotnet .build/tool/lora.dll "$@"; }

bank="$work/bank"
if [ ! -f "$bank/bank.json" ]; then
  lora bank build --out "$bank" --tasks 4 --train-samples 16 --valid-samples 2 --test-samples 12 --generic-samples 80 \
    --hidden 32 --intermediate 64 --heads 4 --kv-heads 2 --layers 1 --base-steps 3 --base-batch 8 --lora-steps 2 --lora-batch 8 > "$work/bank.log" 2>&1 \
    || { echo "soak: the bank build failed (see $work/bank.log)" >&2; exit 2; }
fi

# The load: busy loops, and a sampler that keeps the highest 1-minute load average.
pids=()
for _ in $(seq 1 "$load"); do (while :; do :; done) & pids+=($!); done
(peak=0; while :; do l=$(cut -d' ' -f1 /proc/loadavg); awk -v a="$l" -v b="$peak" 'BEGIN{exit !(a>b)}' && peak=$l; echo "$peak" > "$work/peak-load"; sleep 5; done) &
pids+=($!)
server=""
cleanup() { kill "${pids[@]}" 2>/dev/null; [ -n "$server" ] && kill "$server" 2>/dev/null; wait 2>/dev/null; }
trap cleanup EXIT
sleep 30 # let the load average climb before measuring

# 1. Infer, again and again.
reference=""; crashes=0; differ=0; start=$(date +%s)
for i in $(seq 1 "$runs"); do
  rm -rf "$work/infer"
  if ! lora infer --bank-dir "$bank" --data-dir "$work/infer/data" --results-dir "$work/infer/results" --pipeline base,finetuned \
       --max-new-tokens 24 > "$work/infer-$i.log" 2>&1; then
    crashes=$((crashes + 1)); echo "soak: infer run $i failed (exit code in $work/infer-$i.log)" >&2; continue
  fi
  hash=$(cd "$work/infer/results/models_generated_outputs" && find . -type f | sort | xargs sha256sum | sha256sum | cut -c1-16)
  [ -z "$reference" ] && reference=$hash
  [ "$hash" != "$reference" ] && differ=$((differ + 1))
done
echo "soak: infer: $runs runs in $(( $(date +%s) - start )) s, $crashes failed, $differ with other bytes than the first (outputs $reference)"
[ $crashes -eq 0 ] && [ $differ -eq 0 ] || failed=1

# 2. lora serve under concurrent clients.
# Started directly, not through the lora function, so that $! is the server itself.
dotnet .build/tool/lora.dll serve --bank-dir "$bank" --adapters "finetuned=$bank/adapters" --port 0 > "$work/serve.log" 2>&1 &
server=$!
url=""
for _ in $(seq 1 120); do url=$(grep -o 'http://127.0.0.1:[0-9]*' "$work/serve.log" | head -1); [ -n "$url" ] && break; sleep 1; done
if [ -z "$url" ]; then
  echo "soak: lora serve did not start (see $work/serve.log)" >&2; failed=1
else
  tasks=$(ls "$bank/adapters")
  client() {
    local id=$1 end=$2 n=0 bad=0 k=0 model prompt body code text
    while [ "$(date +%s)" -lt "$end" ]; do
      k=$(( (k + 1) % 6 ))
      if [ $k -eq 0 ]; then model=embedded; else model="finetuned.$(echo "$tasks" | sed -n "$(( (k + id) % 4 + 1 ))p")"; fi
      prompt="request $k: $(head -n $(( (k + id) % 3 + 1 )) "$bank/datasets/$(echo "$tasks" | head -1)/test.jsonl" | tail -1 | cut -c1-200 | tr -d '"\\')"
      body="{\"model\":\"$model\",\"prompt\":\"$prompt\",\"max_tokens\":16,\"temperature\":0}"
      code=$(curl -s -o "$work/client-$id.json" -w '%{http_code}' "$url/v1/completions" -H 'Content-Type: application/json' -d "$body")
      n=$((n + 1))
      text=$(grep -o '"text":"[^"]*"' "$work/client-$id.json")
      key=$(printf '%s' "$body" | sha256sum | cut -c1-16)
      if [ "$code" != 200 ]; then bad=$((bad + 1)); continue; fi
      if [ -f "$work/answers/$key" ]; then [ "$(cat "$work/answers/$key")" = "$text" ] || bad=$((bad + 1)); else printf '%s' "$text" > "$work/answers/$key"; fi
    done
    echo "$n $bad" > "$work/client-$id.count"
  }
  rm -rf "$work/answers"; mkdir -p "$work/answers"
  end=$(( $(date +%s) + serve_seconds ))
  cpids=()
  for c in $(seq 1 "$clients"); do client "$c" "$end" & cpids+=($!); done
  wait "${cpids[@]}"
  total=0; bad=0
  for c in $(seq 1 "$clients"); do read -r n b < "$work/client-$c.count"; total=$((total + n)); bad=$((bad + b)); done
  alive=yes; kill -0 "$server" 2>/dev/null || alive=no
  kill "$server" 2>/dev/null; wait "$server" 2>/dev/null; server=""
  echo "soak: serve: $total requests from $clients clients in $serve_seconds s, $bad not a 200 or with another text than the first answer, server alive at the end: $alive"
  [ $bad -eq 0 ] && [ $alive = yes ] || failed=1
fi

# 3. Generation while finalizers run without pause.
if lora bench soak --bank-dir "$bank" --seconds "$gc_seconds" --gc-stress > "$work/gc.log" 2>&1; then
  echo "soak: $(grep '^soak:' "$work/gc.log" | sed 's/^soak: //')"
else
  echo "soak: bench soak --gc-stress failed (exit $?): $(tail -c 300 "$work/gc.log")" >&2; failed=1
fi

echo "soak: highest load average seen: $(cat "$work/peak-load"), $(nproc) cores, $load busy processes"
exit $failed
