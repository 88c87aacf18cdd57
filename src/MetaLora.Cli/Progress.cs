using Spectre.Console;

namespace MetaLora.Cli;

/// <summary>
/// A progress bar for long stages when the output is a terminal; silent otherwise (logs and CI
/// stay clean, the stage's summary line says what happened).
/// </summary>
internal static class Progress
{
    /// <summary>Runs <paramref name="work"/>, which reports how many of <paramref name="total"/> items are done.</summary>
    public static T Run<T>(string description, int total, Func<IProgress<int>, T> work)
    {
        if (Console.IsOutputRedirected || total <= 1)
            return work(new Ticker<int>(_ => { }));
        T result = default!;
        AnsiConsole.Progress()
            .AutoClear(true)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new RemainingTimeColumn())
            .Start(ctx =>
            {
                var bar = ctx.AddTask(description, maxValue: total);
                var gate = new object();
                result = work(new Ticker<int>(done =>
                {
                    lock (gate) bar.Value = Math.Max(bar.Value, done);
                }));
            });
        return result;
    }
}
