using System.Runtime.ExceptionServices;

namespace MetaLora.Repro;

/// <summary>
/// Parallel loops over a stage's items whose failure is deterministic: when several items fail,
/// the error reported is that of the first failing item in list order, not whichever thread lost
/// the race, and it is rethrown as itself rather than wrapped in an AggregateException.
/// </summary>
internal static class ParallelItems
{
    public static void ForEach<T>(IReadOnlyList<T> items, Action<T> body, int maxDegree = 0)
    {
        var errors = new Exception?[items.Count];
        var options = new ParallelOptions { MaxDegreeOfParallelism = maxDegree > 0 ? maxDegree : Environment.ProcessorCount };
        var failed = 0;
        Parallel.For(0, items.Count, options, i =>
        {
            // After a failure, items further down the list are skipped; earlier ones still run so the
            // reported error is the first in list order.
            if (Volatile.Read(ref failed) != 0 && i > FirstFailure(errors)) return;
            try { body(items[i]); }
            catch (Exception e) { errors[i] = e; Volatile.Write(ref failed, 1); }
        });
        var first = Array.Find(errors, e => e is not null);
        if (first is not null) ExceptionDispatchInfo.Capture(first).Throw();
    }

    private static int FirstFailure(Exception?[] errors)
    {
        for (var i = 0; i < errors.Length; i++)
            if (Volatile.Read(ref errors[i]) is not null) return i;
        return int.MaxValue;
    }
}
