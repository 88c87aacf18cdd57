using System.Diagnostics;
using System.Globalization;
using MetaLora.Bank;
using MetaLora.Bank.Embedded;

namespace MetaLora.Cli.Bench;

/// <summary>
/// <c>lora bench serve</c>: starts <c>lora serve</c> on 127.0.0.1 over a bank (the tiny embedded
/// bank, built for the run, unless one is named) with every bank adapter loaded, then runs each
/// concurrency level for a fixed time (<see cref="LoadClients"/>) and reports throughput, latency,
/// refusals, errors and the server's peak memory. Loopback only; counts and times are bounded.
/// </summary>
internal static class ServeBenchmark
{
    public sealed record Options(string? BankDir, IReadOnlyList<int> Clients, double Seconds, int MaxTokens, int BatchSize, IReadOnlyList<string> ServerArguments);

    public sealed record Outcome(string BankName, int Prompts, int Models, IReadOnlyList<ServeLevel> Levels, double StopSeconds, int? ExitCode);

    public static async Task<Outcome> RunAsync(Options o, Action<string> log)
    {
        if (o.Clients.Count == 0 || o.Clients.Any(c => c is < 1 or > 256))
            throw new BadInputException("bench serve: --clients takes whole numbers from 1 to 256, e.g. 1,4,16,64");
        if (o.Seconds is <= 0 or > 600 || o.MaxTokens < 1 || o.BatchSize < 1)
            throw new BadInputException("bench serve: --seconds must be in (0, 600], --max-tokens and --batch-size at least 1");
        var scratch = o.BankDir is null ? Directory.CreateTempSubdirectory("lora-bench-serve-").FullName : null;
        try
        {
            var bankDir = o.BankDir ?? BuildTinyBank(scratch!, log);
            return await MeasureAsync(BankInfo.Load(bankDir), o, log);
        }
        finally
        {
            if (scratch is not null) Directory.Delete(scratch, recursive: true);
        }
    }

    private static async Task<Outcome> MeasureAsync(BankInfo bank, Options o, Action<string> log)
    {
        var prompts = bank.Tasks.SelectMany(t => Dataset.ReadSplit(bank.DatasetDir(t), "test")).Select(s => s.Input).ToArray();
        if (prompts.Length == 0) throw BadInputException.At(bank.Directory, "bench serve: the bank's tasks have no test samples to send");
        var adapters = bank.Tasks.Where(t => Directory.Exists(bank.AdapterDir(t))).ToArray();
        // Half the requests to the base model, half to the adapters in turn.
        var models = adapters.Length == 0 ? [bank.Name] : adapters.SelectMany(a => new[] { bank.Name, a }).ToArray();
        using var server = ServerChild.StartServe(
            ["--bank-dir", bank.Directory, "--host", "127.0.0.1", "--port", "0", "--batch-size", Whole(o.BatchSize),
             .. adapters.Length == 0 ? Array.Empty<string>() : ["--adapters", Path.Combine(bank.Directory, "adapters")], .. o.ServerArguments],
            TimeSpan.FromMinutes(5));
        log($"bench serve: {server.Url}, {bank.Name}: {prompts.Length} prompts, {models.Length / (adapters.Length == 0 ? 1 : 2)} adapters + the base model");
        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 1024, PooledConnectionLifetime = TimeSpan.FromMinutes(10) })
        {
            BaseAddress = new Uri(server.Url),
            Timeout = TimeSpan.FromMinutes(5),
        };
        var load = new LoadClients(http, prompts, models, o.MaxTokens);
        foreach (var model in models.Distinct())
            if (await load.SendAsync(model, prompts[0], CancellationToken.None) is null)
                throw new BadInputException($"bench serve: the warm-up request to {model} failed: {server.Output.Trim()}");
        var levels = new List<ServeLevel>();
        foreach (var clients in o.Clients)
        {
            var level = await load.RunAsync(clients, TimeSpan.FromSeconds(o.Seconds)) with { ServerPeakRss = PeakMemory.Bytes(server.Pid) };
            log(Row(level));
            levels.Add(level);
        }
        var stop = Stopwatch.StartNew();
        var stopped = server.Terminate(TimeSpan.FromSeconds(30));
        return new Outcome(bank.Name, prompts.Length, models.Distinct().Count(), levels, stop.Elapsed.TotalSeconds, stopped ? server.ExitCode : null);
    }

    private static string BuildTinyBank(string scratch, Action<string> log)
    {
        var dir = Path.Combine(scratch, "bank");
        log("bench serve: building the tiny embedded bank (a few seconds) ...");
        ServerChild.RunVerb(["bank", "build", "--out", dir, .. BankProfile.Tiny.BuildArguments()]);
        return dir;
    }

    public static string Header => $"{"clients",7}  {"req/s",8}  {"tokens/s",9}  {"p50 ms",8}  {"p99 ms",8}  {"requests",8}  {"429",5}  {"errors",6}  {"server peak RSS",15}";

    public static string Row(ServeLevel l) => string.Create(CultureInfo.InvariantCulture,
        $"{l.Clients,7}  {l.RequestsPerSecond,8:F1}  {l.TokensPerSecond,9:F0}  {l.LatencyP50 * 1000,8:F0}  {l.LatencyP99 * 1000,8:F0}  {l.Requests,8}  {l.TooMany,5}  {l.Errors,6}  {l.ServerPeakRss / 1048576.0,12:F0} MB");

    /// <summary>Generated tokens/s at 16 clients over 1 client, when both levels ran.</summary>
    public static double? BatchingGain(IReadOnlyList<ServeLevel> levels) =>
        levels.FirstOrDefault(l => l.Clients == 1) is { TokensPerSecond: > 0 } one && levels.FirstOrDefault(l => l.Clients == 16) is { } sixteen
            ? sixteen.TokensPerSecond / one.TokensPerSecond
            : null;

    private static string Whole(int value) => value.ToString(CultureInfo.InvariantCulture);
}
