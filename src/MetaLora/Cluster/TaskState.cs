namespace MetaLora.Cluster;

/// <summary>What Slurm says about one array task.</summary>
internal sealed record TaskState(int Index, string State, string? ExitCode = null)
{
    public bool IsDone => SlurmStates.IsTerminal(State);
    public bool IsSuccess => State == SlurmStates.Completed;

    public override string ToString() => ExitCode is null || IsSuccess ? State : $"{State} exit {ExitCode}";
}
