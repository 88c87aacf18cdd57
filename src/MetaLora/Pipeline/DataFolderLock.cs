namespace MetaLora.Pipeline;

/// <summary>
/// One pipeline at a time per data folder. The lock is an exclusive OS file lock on
/// <c>&lt;data&gt;/.lock</c>, so it disappears with the process even when the process is killed.
/// The holder's pid goes to a separate <c>.lock.pid</c> for the error message (the locked file
/// itself cannot be read by others).
/// </summary>
public sealed class DataFolderLock : IDisposable
{
    /// <summary>
    /// Set by a parent process (the build script) that holds the lock for a whole pipeline run, to
    /// the full path of the data folder, so the stages it starts do not wait on their own parent.
    /// </summary>
    public const string HeldByParentVariable = "LORA_DATA_LOCK_HELD";

    private readonly FileStream? _stream;

    private DataFolderLock(FileStream? stream) => _stream = stream;

    public static DataFolderLock Acquire(string dataDir)
    {
        var full = Path.GetFullPath(dataDir);
        if (string.Equals(Environment.GetEnvironmentVariable(HeldByParentVariable), full, StringComparison.Ordinal))
            return new DataFolderLock(null);
        Directory.CreateDirectory(full);
        var path = Path.Combine(full, ".lock");
        try
        {
            var stream = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            File.WriteAllText(path + ".pid", $"{Environment.ProcessId}\n");
            return new DataFolderLock(stream);
        }
        catch (IOException)
        {
            string holder;
            try { holder = File.ReadAllText(path + ".pid").Trim(); } catch (IOException) { holder = "?"; }
            throw new BadInputException($"{path}: another pipeline (pid {holder}) is using data folder {dataDir}; wait for it to finish or stop it");
        }
    }

    /// <summary>
    /// Tells verbs run by this process (and processes it starts) that the lock on
    /// <paramref name="dataDir"/> is held for them, until the result is disposed. Call it only while
    /// holding the lock.
    /// </summary>
    public static IDisposable ShareWithChildren(string dataDir)
    {
        var previous = Environment.GetEnvironmentVariable(HeldByParentVariable);
        Environment.SetEnvironmentVariable(HeldByParentVariable, Path.GetFullPath(dataDir));
        return new Restore(previous);
    }

    public void Dispose() => _stream?.Dispose();

    private sealed class Restore(string? previous) : IDisposable
    {
        public void Dispose() => Environment.SetEnvironmentVariable(HeldByParentVariable, previous);
    }
}
