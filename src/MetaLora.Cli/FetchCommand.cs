using System.CommandLine;
using MetaLora.Bank;
using MetaLora.Hub;
using Spectre.Console;
using MetaLora.Layout;
using MetaLora.Study;
using MetaLora.Repro;
using MetaLora.IO;
using MetaLora.Repro.CodeIdentity;

namespace MetaLora.Cli;

internal static class FetchCommand
{
    [StageEntry(StageVerbs.Fetch)]
    public static Command Create()
    {
        var dataDir = CommonOptions.DataDir();
        var bankDir = new Option<string?>("--bank-dir") { Description = "Bank directory to materialise. Default: <data-dir>/raw_input." };
        var limit = new Option<int>("--limit")
        {
            Description = "Fetch only the first N tasks of the list (0 = all 502).",
            DefaultValueFactory = _ => 0,
            Validators = { r => { if (r.GetValueOrDefault<int>() < 0) r.AddError("--limit must be >= 0"); } },
        };
        var revision = new Option<string?>("--revision")
        {
            Description = "Resolve every repository at this branch, tag or commit instead of the commits pinned in bank.json " +
                          "(a first fetch uses main).",
        };
        var jobs = new Option<int>("--jobs")
        {
            Description = "Parallel downloads.",
            DefaultValueFactory = _ => 4,
            Validators = { r => { if (r.GetValueOrDefault<int>() < 1) r.AddError("--jobs must be >= 1"); } },
        };
        var weights = new Option<bool>("--include-base-model")
        {
            Description = $"Also fetch the base model's weights ({LotsOfLoras.BaseModelRepo}, about 14.5 GB; Infer needs them). " +
                          "Without it base_model/ gets the config and tokenizer only, which is all the CPU stages need.",
        };
        var command = new Command("fetch",
            "Materialise the paper's bank (Lots of LoRAs: 502 tasks, their datasets and rank-16 LoRAs for Mistral-7B-Instruct-v0.2) " +
            "from the Hugging Face Hub into the bank directory. Needs a token (HF_TOKEN, or HUGGINGFACE_TOKEN=... in ./.env) " +
            "with the base model's licence accepted; HF_ENDPOINT selects a mirror. Resumable; every file is checked against the Hub's size and hash.")
        {
            dataDir, bankDir, limit, revision, jobs, weights,
        };
        command.SetAction(async (parse, ct) =>
        {
            var dir = parse.GetValue(bankDir) ?? new DataLayout(parse.GetValue(dataDir)!).DefaultBankDir;
            Directory.CreateDirectory(dir);
            // The bank folder is written here, not the data folder: lock the bank itself.
            using var _ = DataFolderLock.Acquire(dir);
            var settings = HubSettings.FromEnvironment(Directory.GetCurrentDirectory());
            Console.WriteLine(settings.Token is null
                ? $"fetch: no Hugging Face token (set {HubToken.EnvironmentVariable} or {HubToken.DotEnvKey} in {HubToken.DotEnvFileName}); the gated base model will refuse"
                : $"fetch: using the token from {settings.Token.Source}");
            using var client = new HubClient(settings, log: line => Console.Error.WriteLine($"fetch: {line}"));
            var fetch = new BankFetch(client, line => Console.WriteLine(line));
            var options = new FetchOptions(dir, parse.GetValue(limit), parse.GetValue(revision), parse.GetValue(jobs), parse.GetValue(weights));
            var summary = await WithProgress(progress => fetch.RunAsync(LotsOfLoras.Tasks, LotsOfLoras.Name,
                HubRepo.Model(LotsOfLoras.BaseModelRepo), LotsOfLoras.VocabSize, options, progress, ct));
            Console.WriteLine($"fetch: {summary.Tasks} tasks in {summary.BankJson}: {summary.Downloaded} files downloaded " +
                              $"({DiskSpace.Format(summary.BytesDownloaded)}), {summary.Kept} already verified");
            return 0;
        });
        return command;
    }

    /// <summary>A live bar with rate and time left on a terminal; otherwise a progress line every 15 seconds.</summary>
    private static async Task<T> WithProgress<T>(Func<IProgress<DownloadProgress>, Task<T>> work)
    {
        if (Console.IsOutputRedirected)
        {
            var last = DateTime.MinValue;
            return await work(new Ticker<DownloadProgress>(p =>
            {
                if (DateTime.UtcNow - last < TimeSpan.FromSeconds(15) && p.FilesDone < p.FilesTotal) return;
                last = DateTime.UtcNow;
                Console.WriteLine($"fetch: {p}");
            }));
        }
        T result = default!;
        await AnsiConsole.Progress()
            .AutoClear(true)
            .Columns(new ProgressBarColumn(), new PercentageColumn(), new TaskDescriptionColumn { Alignment = Justify.Left })
            .StartAsync(async ctx =>
            {
                var bar = ctx.AddTask("fetch", maxValue: 1);
                var gate = new object();
                result = await work(new Ticker<DownloadProgress>(p =>
                {
                    lock (gate)
                    {
                        bar.MaxValue = Math.Max(1, p.BytesTotal);
                        bar.Value = p.BytesDone;
                        bar.Description = Markup.Escape(p.ToString());
                    }
                }));
            });
        return result;
    }
}
