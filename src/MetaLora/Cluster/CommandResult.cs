namespace MetaLora.Cluster;

public sealed record CommandResult(int ExitCode, string Stdout, string Stderr);
