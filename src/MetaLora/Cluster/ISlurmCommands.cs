namespace MetaLora.Cluster;

/// <summary>Runs Slurm's client commands (sbatch, squeue, sacct, scontrol); a fake stands in for them in unit tests.</summary>
internal interface ISlurmCommands
{
    CommandResult Run(string program, IReadOnlyList<string> args);
}
