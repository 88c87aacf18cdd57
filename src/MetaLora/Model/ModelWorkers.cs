namespace MetaLora.Model;

/// <summary>
/// A few dedicated threads, each with its own model on one torch thread: on 2 cores this beat one
/// model on 2 torch threads for models this small. Threads get 16 MB stacks; the first failure is
/// rethrown after all have stopped.
/// </summary>
internal static class ModelWorkers
{
    /// <summary>Runs <paramref name="worker"/>(w) for w = 0 .. workers - 1, each on its own thread.</summary>
    public static void Run(int workers, Action<int> worker)
    {
        var failures = new List<Exception>();
        var threads = Enumerable.Range(0, workers).Select(w => new Thread(() =>
        {
            try
            {
                worker(w);
            }
            catch (Exception e)
            {
                lock (failures) failures.Add(e);
            }
        }, maxStackSize: 16 << 20)).ToArray();
        foreach (var thread in threads) thread.Start();
        foreach (var thread in threads) thread.Join();
        if (failures.Count > 0) throw failures[0] is BadInputException ? failures[0] : new AggregateException(failures);
    }
}
