#!/usr/bin/env bash
# The study page at the paper's scale: how long the Report stage and results/report.html take to
# write for 502 tasks x 14 pipelines (synthetic scores, generations, distances and coefficients),
# how big the page is, and how long headless Chromium takes to open it.
#
#   bench/report.sh [WORK_DIR]
#
# REPORT_TASKS (default 502) and REPORT_RUNS (default 3) set the shape and the runs. Chromium comes
# from METALORA_CHROMIUM or /usr/bin/chromium (apt-get install chromium); without it the opening is
# not timed. Opening = starting the browser, loading the file up to its load event and painting the
# first screen (a screenshot), less the same for an empty page (the browser's own start). Medians of
# the runs.
set -uo pipefail
cd "$(dirname "$0")/.."
work=${1:-$(mktemp -d)}
tasks=${REPORT_TASKS:-502}
runs=${REPORT_RUNS:-3}
mkdir -p "$work"

if ! out=$(dotnet build src/MetaLora.Cli/MetaLora.Cli.csproj -c Release -o .build/tool -nologo -v quiet -clp:NoSummary 2>&1); then
  echo "$out" >&2
  exit 2
fi
rm -rf "$work/study"
dotnet .build/tool/lora.dll bench report --tasks "$tasks" --runs "$runs" --keep "$work/study" || exit 1
page="$work/study/results/report.html"

chromium=${METALORA_CHROMIUM:-/usr/bin/chromium}
if [ ! -x "$chromium" ]; then
  echo "report.sh: no Chromium at $chromium; the page's opening is not timed" >&2
  exit 0
fi
printf '<!DOCTYPE html><title>empty</title>\n' > "$work/empty.html"
open_seconds() {
  local start end
  start=$(date +%s.%N)
  "$chromium" --headless=new --no-sandbox --disable-gpu --host-resolver-rules="MAP * ~NOTFOUND" \
    --user-data-dir="$work/profile" --window-size=1280,900 --screenshot="$work/screen.png" "file://$1" > /dev/null 2>&1 || return 1
  end=$(date +%s.%N)
  echo "$end - $start" | bc
}
median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
open_seconds "$work/empty.html" > /dev/null # the first start fills the profile
empty=$(for _ in $(seq "$runs"); do open_seconds "$work/empty.html"; done | median)
full=$(for _ in $(seq "$runs"); do open_seconds "$page"; done | median)
printf 'chromium: opened the page in %.2f s (empty page %.2f s, so %.2f s for the page itself; median of %s)\n' \
  "$full" "$empty" "$(echo "$full - $empty" | bc)" "$runs"
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
