#!/usr/bin/env bash
# Bootstrap from a fresh clone with only the .NET SDK: restore the pinned Cake runner, build the
# lora tool once, then run the stage graph in build/build.cake with every argument passed through.
#   ./build.sh --target=Distances --metric=all
set -euo pipefail
cd "$(dirname "$0")"
export DOTNET_NOLOGO=1 DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

if ! out=$(dotnet tool restore 2>&1); then
  echo "$out" >&2
  echo "build.sh: 'dotnet tool restore' failed (is NuGet reachable?)" >&2
  exit 1
fi
if ! out=$(dotnet build src/MetaLora.Cli/MetaLora.Cli.csproj -c Release -o .build/tool -nologo -v quiet -clp:NoSummary 2>&1); then
  echo "$out" >&2
  echo "build.sh: building the lora tool failed" >&2
  exit 1
fi
exec dotnet cake build/build.cake "$@"
