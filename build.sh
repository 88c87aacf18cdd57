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
# The tool is rebuilt only when a source or build file is newer than the last successful build
# (a no-op `dotnet build` still costs many seconds).
stamp=.build/tool/.built
if [ ! -f "$stamp" ] || [ -n "$(find src build/msbuild Directory.Build.props Directory.Build.targets global.json -newer "$stamp" -print -quit)" ]; then
  if ! out=$(dotnet build src/MetaLora.Cli/MetaLora.Cli.csproj -c Release -o .build/tool -nologo -v quiet -clp:NoSummary 2>&1); then
    echo "$out" >&2
    echo "build.sh: building the lora tool failed" >&2
    exit 1
  fi
  touch "$stamp"
  # The compiled script references the library it was compiled against.
  rm -rf build/tools/cache
fi
# Cake compiles build.cake once per content hash into build/tools/cache.
export CAKE_SETTINGS_ENABLESCRIPTCACHE=true
exec dotnet cake build/build.cake "$@"
