namespace MetaLora.Cluster;

internal sealed record CommandResult(int ExitCode, string Stdout, string Stderr);
