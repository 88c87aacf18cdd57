namespace MetaLora.Pipeline;

/// <summary>
/// One pipeline at a time per data folder, and per results folder (two studies with different data
/// folders must not race on the same result tables). The lock is an exclusive OS file lock on
/// <c>&lt;data&gt;/.lock</c> or <c>&lt;results&gt;/.results.lock</c>, so it disappears with the process
/// even when the process is killed. The holder's pid goes to a separate <c>.pid</c> file for the
/// error message (the locked file itself cannot be read by others).
/// </summary>
public sealed class DataFolderLock : IDisposable
{
    /// <summary>
    /// Set by a parent process (the build script) that holds the locks for a whole pipeline run, to
    /// the full paths of the folders it holds (separated by the path-list separator), so the stages
    /// it starts do not wait on their own parent.
    /// </summary>
    public const string HeldByParentVariable = "LORA_DATA_LOCK_HELD";

    private readonly FileStream? _stream;

    private DataFolderLock(FileStream? stream) => _stream = stream;

    /// <summary>Locks the data folder <paramref name="dataDir"/>.</summary>
    public static DataFolderLock Acquire(string dataDir) => Acquire(dataDir, ".lock", "data folder");

    /// <summary>Locks the results folder <paramref name="resultsDir"/>.</summary>
    public static DataFolderLock AcquireResults(string resultsDir) => Acquire(resultsDir, ".results.lock", "results folder");

    private static DataFolderLock Acquire(string dir, string fileName, string role)
    {
        var full = Path.GetFullPath(dir);
        if (HeldByParent(full)) return new DataFolderLock(null);
        var path = Path.Combine(full, fileName);
        FileStream stream;
        try
        {
            Directory.CreateDirectory(full);
            stream = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (Exception e) when (StorageFailure.Describe(e, full) is { } storage)
        {
            throw storage;
        }
        catch (IOException)
        {
            string holder;
            try { holder = File.ReadAllText(path + ".pid").Trim(); } catch (IOException) { holder = "?"; }
            throw new BadInputException($"{path}: another pipeline (pid {holder}) is using {role} {dir}; wait for it to finish or stop it");
        }
        try { File.WriteAllText(path + ".pid", $"{Environment.ProcessId}\n"); }
        catch (IOException) { } // only the message of a waiting pipeline needs it
        return new DataFolderLock(stream);
    }

    private static bool HeldByParent(string full) =>
        (Environment.GetEnvironmentVariable(HeldByParentVariable) ?? "")
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Contains(full, StringComparer.Ordinal);

    /// <summary>
    /// Tells verbs run by this process (and processes it starts) that the locks on
    /// <paramref name="dirs"/> are held for them, until the result is disposed. Call it only while
    /// holding the locks.
    /// </summary>
    public static IDisposable ShareWithChildren(params string[] dirs)
    {
        var previous = Environment.GetEnvironmentVariable(HeldByParentVariable);
        Environment.SetEnvironmentVariable(HeldByParentVariable, string.Join(Path.PathSeparator, dirs.Select(Path.GetFullPath)));
        return new Restore(previous);
    }

    public void Dispose() => _stream?.Dispose();

    private sealed class Restore(string? previous) : IDisposable
    {
        public void Dispose() => Environment.SetEnvironmentVariable(HeldByParentVariable, previous);
    }
}
