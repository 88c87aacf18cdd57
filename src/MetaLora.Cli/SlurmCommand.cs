using System.CommandLine;
using System.Globalization;
using MetaLora.Cluster;
using MetaLora.Inference;
using MetaLora.Study;

namespace MetaLora.Cli;

/// <summary>
/// <c>lora slurm submit|status</c>: Infer as a Slurm array job, one array task per shard, each running
/// this tool's infer verb with <c>--shard i/n</c> on the shared folders. The script, logs and state
/// live in <c>&lt;results-dir&gt;/slurm/</c>.
/// </summary>
internal static class SlurmCommand
{
    private sealed class Options
    {
        public readonly BankOptions Bank = new();
        public readonly Option<string> Results = CommonOptions.ResultsDir();
        public readonly Option<string> Pipelines = CommonOptions.Pipelines();
        public readonly Option<int?> MaxNewTokens = CommonOptions.MaxNewTokens();
        public readonly Option<int> BatchSize = new("--batch-size") { Description = "As infer's.", DefaultValueFactory = _ => new InferOptions().BatchSize };
        public readonly Option<int> Shards = new("--shards") { Description = "Array tasks, one shard of the tasks each (shard i: bank index mod n = i).", DefaultValueFactory = _ => StudyOptions.DefaultShards };
        public readonly Option<string?> Partition = new("--partition") { Description = "sbatch --partition." };
        public readonly Option<string?> Gres = new("--gres") { Description = "sbatch --gres, e.g. gpu:1." };
        public readonly Option<string?> Time = new("--time") { Description = "sbatch --time per shard, e.g. 04:00:00." };
        public readonly Option<string?> Account = new("--account") { Description = "sbatch --account." };
        public readonly Option<int?> CpusPerTask = new("--cpus-per-task") { Description = "sbatch --cpus-per-task." };
        public readonly Option<string?> Mem = new("--mem") { Description = "sbatch --mem, e.g. 32G." };
        public readonly Option<string> JobName = new("--job-name") { Description = "sbatch --job-name.", DefaultValueFactory = _ => "lora-infer" };
        public readonly EngineOptions Engine = new();

        public void AddTo(Command command)
        {
            Bank.AddTo(command);
            Engine.AddTo(command);
            foreach (var o in new Option[] { Results, Pipelines, MaxNewTokens, BatchSize, Shards, Partition, Gres, Time, Account, CpusPerTask, Mem, JobName })
                command.Options.Add(o);
        }

        /// <summary>Absolute paths everywhere: the shards start on other machines, in the same shared folders.</summary>
        public SlurmJobSpec Spec(ParseResult parse)
        {
            var pipelines = InferPipeline.Parse(parse.GetValue(Pipelines)!);
            var s = Bank.Resolve(parse);
            // Every shard sends to the same server; the API key reaches them in the environment sbatch passes on.
            var server = Engine.Resolve(parse);
            var shards = parse.GetValue(Shards);
            if (shards < 1) throw new BadInputException($"--shards={shards}: expected a whole number >= 1");
            // The bank's setting is written into the script as a number: the job's record then changes with it.
            var maxNewTokens = parse.GetValue(MaxNewTokens) ?? s.Bank.Generation.MaxNewTokens;
            foreach (var (value, what) in new[] { (maxNewTokens, "--max-new-tokens"), (parse.GetValue(BatchSize), "--batch-size") })
                if (value < 1) throw new BadInputException($"{what}={value}: expected a whole number >= 1");
            if (parse.GetValue(CpusPerTask) is < 1) throw new BadInputException($"--cpus-per-task={parse.GetValue(CpusPerTask)}: expected a whole number >= 1");
            var results = Path.GetFullPath(parse.GetValue(Results)!);
            var dotnet = Environment.ProcessPath ?? "dotnet";
            var tool = Path.Combine(AppContext.BaseDirectory, "lora.dll");
            // Run as an apphost (./lora), the tool is its own program; as `dotnet lora.dll`, the same dotnet runs it on the nodes.
            string[] launcher = Path.GetFileNameWithoutExtension(dotnet) == "dotnet" ? [dotnet, tool] : [dotnet];
            return new SlurmJobSpec
            {
                Shards = shards,
                Command =
                [
                    .. launcher, "infer", "--pipeline", string.Join(',', pipelines.Select(p => p.Name)),
                    "--bank-dir", Path.GetFullPath(s.Bank.Directory), "--data-dir", Path.GetFullPath(s.Layout.DataDir), "--results-dir", results,
                    "--limit", s.Limit.ToString(), "--max-new-tokens", maxNewTokens.ToString(CultureInfo.InvariantCulture), "--batch-size", parse.GetValue(BatchSize).ToString(),
                    .. EngineOptions.Words(server),
                ],
                Dir = Path.Combine(results, "slurm"),
                WorkingDir = Directory.GetCurrentDirectory(),
                JobName = NonEmpty(parse.GetValue(JobName), "--job-name") ?? "lora-infer",
                Partition = NonEmpty(parse.GetValue(Partition), "--partition"),
                Gres = NonEmpty(parse.GetValue(Gres), "--gres"),
                Time = NonEmpty(parse.GetValue(Time), "--time"),
                Account = NonEmpty(parse.GetValue(Account), "--account"),
                CpusPerTask = parse.GetValue(CpusPerTask),
                Mem = NonEmpty(parse.GetValue(Mem), "--mem"),
            };
        }

        // A value goes into an #SBATCH line: one word, no spaces or newlines.
        private static string? NonEmpty(string? value, string what) =>
            value is null ? null
            : value.Length > 0 && !value.Any(char.IsWhiteSpace) ? value
            : throw new BadInputException($"{what}='{value}': expected one word without spaces");
    }

    public static Command Create()
    {
        var submitOptions = new Options();
        var dryRun = new Option<bool>("--dry-run") { Description = "Only write the script (and print how to submit it)." };
        var noWait = new Option<bool>("--no-wait") { Description = "Submit and return; a later submit or status picks the job up." };
        var submit = new Command("submit",
            "Write <results-dir>/slurm/infer.sbatch (an array job, one task per shard running `lora infer --shard i/n`), submit the shards " +
            "not completed yet with sbatch, wait for them (squeue; progress lines) and report failed shards by index. A rerun attaches to a " +
            "job still running or resubmits only failed shards. The tool, the bank and the data and results folders must be on a filesystem the nodes share.")
        {
            dryRun, noWait,
        };
        submitOptions.AddTo(submit);
        submit.SetAction(parse =>
        {
            var spec = submitOptions.Spec(parse);
            if (parse.GetValue(dryRun))
            {
                SlurmArray.WriteScript(spec);
                Console.WriteLine($"Slurm dry run: wrote {spec.ScriptPath} ({spec.Shards} shards); nothing submitted. Submit with: sbatch {spec.ScriptPath}");
                return 0;
            }
            var outcome = new SlurmArray(new SlurmProcesses(), Console.WriteLine).Submit(spec, wait: !parse.GetValue(noWait));
            if (outcome.Success) return 0;
            if (parse.GetValue(noWait) && outcome.Failed.All(f => f.State is SlurmRunState.Submitted or "NOT_SUBMITTED")) return 0;
            var failed = string.Join("; ", outcome.Failed.Select(f => $"shard {f.Index}: {f} (log {spec.LogPath(f.Index)})"));
            Console.Error.WriteLine($"error: {outcome.Failed.Count} of {spec.Shards} Slurm shards did not complete: {failed}. Rerun the same command to resubmit only these.");
            return 1;
        });

        var statusOptions = new Options();
        var status = new Command("status", "Each shard's state: recorded results, and squeue for shards not known to have ended.");
        statusOptions.AddTo(status);
        status.SetAction(parse =>
        {
            var spec = statusOptions.Spec(parse);
            foreach (var line in new SlurmArray(new SlurmProcesses(), Console.WriteLine).Status(spec)) Console.WriteLine(line);
            return 0;
        });

        return new Command("slurm", "Infer on a Slurm cluster: an sbatch array job, one task per shard.") { submit, status };
    }
}
