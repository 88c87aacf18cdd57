#!/usr/bin/env pwsh
# Bootstrap from a fresh clone with only the .NET SDK: restore the pinned Cake runner, build the
# lora tool once, then run the stage graph in build/build.cake with every argument passed through.
#   ./build.ps1 --target=Distances --metric=all
$ErrorActionPreference = 'Stop'
Set-Location $PSScriptRoot
$env:DOTNET_NOLOGO = '1'; $env:DOTNET_CLI_TELEMETRY_OPTOUT = '1'; $env:DOTNET_SKIP_FIRST_TIME_EXPERIENCE = '1'

$out = & dotnet tool restore 2>&1
if ($LASTEXITCODE -ne 0) { $out | Write-Host; Write-Error "build.ps1: 'dotnet tool restore' failed (is NuGet reachable?)"; exit 1 }
# The tool is rebuilt only when a source or build file is newer than the last successful build.
$stamp = '.build/tool/.built'
$inputs = @('src', 'build/msbuild', 'Directory.Build.props', 'Directory.Build.targets', 'global.json') | Where-Object { Test-Path $_ } |
    ForEach-Object { Get-ChildItem -Path $_ -Recurse -Force -ErrorAction SilentlyContinue; Get-Item $_ }
if (-not (Test-Path $stamp) -or ($inputs | Where-Object { $_.LastWriteTimeUtc -gt (Get-Item -Force $stamp).LastWriteTimeUtc } | Select-Object -First 1)) {
    $out = & dotnet build src/MetaLora.Cli/MetaLora.Cli.csproj -c Release -o .build/tool -nologo -v quiet -clp:NoSummary 2>&1
    if ($LASTEXITCODE -ne 0) { $out | Write-Host; Write-Error "build.ps1: building the lora tool failed"; exit 1 }
    New-Item -ItemType File -Force -Path $stamp | Out-Null
    # The compiled script references the library it was compiled against.
    if (Test-Path build/tools/cache) { Remove-Item -Recurse -Force build/tools/cache }
}
# Cake compiles build.cake once per content hash into build/tools/cache.
$env:CAKE_SETTINGS_ENABLESCRIPTCACHE = 'true'
& dotnet cake build/build.cake @args
exit $LASTEXITCODE
