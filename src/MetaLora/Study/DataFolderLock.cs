using MetaLora.IO;

namespace MetaLora.Study;

/// <summary>
/// Who may write a data folder, and a results folder, at the same time. A pipeline run without
/// <c>--shard</c> holds each folder exclusively, so two studies never race on the same files. Sharded
/// Infer runs (<c>--shard=i/n</c>) hold the folders shared: any number of them at once, each writing
/// only its own tasks' outputs and records, and never at the same time as an exclusive holder. The
/// lock is an OS file lock on <c>&lt;data&gt;/.lock</c> or <c>&lt;results&gt;/.results.lock</c>
/// (<c>flock</c> on Unix, share modes on Windows), so it disappears with the process even when the
/// process is killed. An exclusive holder's pid goes to a separate <c>.pid</c> file for the error
/// message (the locked file itself cannot be read by others).
/// </summary>
public sealed class DataFolderLock : IDisposable
{
    /// <summary>
    /// Set by a parent process (the build script) that holds the locks for a whole pipeline run, to
    /// the full paths of the folders it holds (separated by the path-list separator), so the stages
    /// it starts do not wait on their own parent.
    /// </summary>
    public const string HeldByParentVariable = "LORA_DATA_LOCK_HELD";

    private sealed record Kind(string FileName, string Role);

    private static readonly Kind Data = new(".lock", "data folder");
    private static readonly Kind Results = new(".results.lock", "results folder");

    /// <summary>
    /// Held by the one sharded run that is checking, or bringing up to date, the stages before Infer;
    /// the other sharded runs wait for it instead of failing.
    /// </summary>
    private static readonly Kind Preparation = new(".shards.lock", "data folder's stages before Infer");

    private readonly FileStream? _stream;

    private DataFolderLock(FileStream? stream) => _stream = stream;

    /// <summary>Locks the data folder <paramref name="dataDir"/> for this run alone.</summary>
    public static DataFolderLock Acquire(string dataDir) => Acquire(dataDir, Data, shared: false);

    /// <summary>Locks the results folder <paramref name="resultsDir"/> for this run alone.</summary>
    public static DataFolderLock AcquireResults(string resultsDir) => Acquire(resultsDir, Results, shared: false);

    /// <summary>Locks the data folder <paramref name="dataDir"/> for a sharded Infer run, which other sharded runs may share.</summary>
    public static DataFolderLock AcquireShared(string dataDir) => Acquire(dataDir, Data, shared: true);

    /// <summary>Locks the results folder <paramref name="resultsDir"/> for a sharded Infer run, which other sharded runs may share.</summary>
    public static DataFolderLock AcquireSharedResults(string resultsDir) => Acquire(resultsDir, Results, shared: true);

    /// <summary>Locks the data folder for this run alone if nobody else uses it; null otherwise.</summary>
    public static DataFolderLock? TryAcquire(string dataDir)
    {
        var full = Path.GetFullPath(dataDir);
        if (HeldByParent(full)) return new DataFolderLock(null);
        var path = Path.Combine(full, Data.FileName);
        if (Open(path, full, shared: false) is not { } stream) return null;
        WritePid(path);
        return new DataFolderLock(stream);
    }

    /// <summary>
    /// Takes the sharded runs' preparation turn on <paramref name="dataDir"/>, waiting while another
    /// sharded run has it (it ends when that run has checked or run the stages before Infer, or dies).
    /// </summary>
    /// <param name="dataDir">The data folder.</param>
    /// <param name="waiting">Told once, with the holder's pid, when this run has to wait.</param>
    public static DataFolderLock AcquirePreparation(string dataDir, Action<string> waiting)
    {
        var full = Path.GetFullPath(dataDir);
        var path = Path.Combine(full, Preparation.FileName);
        var told = false;
        while (true)
        {
            if (Open(path, full, shared: false) is { } stream)
            {
                WritePid(path);
                return new DataFolderLock(stream);
            }
            if (!told)
            {
                waiting($"waiting for the sharded run with pid {Holder(path)}, which is checking or running the stages before Infer in {dataDir}");
                told = true;
            }
            Thread.Sleep(500);
        }
    }

    private static DataFolderLock Acquire(string dir, Kind kind, bool shared)
    {
        var full = Path.GetFullPath(dir);
        if (HeldByParent(full)) return new DataFolderLock(null);
        var path = Path.Combine(full, kind.FileName);
        if (Open(path, full, shared) is { } stream)
        {
            // Only an exclusive holder is a single process worth naming.
            if (!shared) WritePid(path);
            return new DataFolderLock(stream);
        }
        if (shared)
            throw new BadInputException($"{path}: another pipeline (pid {Holder(path)}) is using {kind.Role} {dir} on its own, which sharded runs (--shard) cannot share; wait for it to finish or stop it");
        // Held: by one exclusive run, or by sharded runs, which would let this probe share it.
        if (Open(path, full, shared: true) is { } probe)
        {
            probe.Dispose();
            throw new BadInputException($"{path}: sharded Infer runs (--shard) are using {kind.Role} {dir}; wait for every shard to finish, then run without --shard");
        }
        throw new BadInputException($"{path}: another pipeline (pid {Holder(path)}) is using {kind.Role} {dir}; wait for it to finish or stop it");
    }

    /// <summary>Opens the lock file with the lock asked for; null when others hold a lock that excludes it.</summary>
    private static FileStream? Open(string path, string full, bool shared)
    {
        try
        {
            Directory.CreateDirectory(full);
            // FileShare.None takes an exclusive lock (flock LOCK_EX on Unix); a read-only open that
            // shares reading takes a shared one (LOCK_SH), which excludes only exclusive holders.
            return shared
                ? new FileStream(path, FileMode.OpenOrCreate, FileAccess.Read, FileShare.Read)
                : new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (Exception e) when (StorageFailure.Describe(e, full) is { } storage)
        {
            throw storage;
        }
        catch (IOException)
        {
            return null;
        }
    }

    private static void WritePid(string path)
    {
        try { File.WriteAllText(path + ".pid", $"{Environment.ProcessId}\n"); }
        catch (IOException) { } // only the message of a waiting pipeline needs it
    }

    private static string Holder(string path)
    {
        try { return File.ReadAllText(path + ".pid").Trim(); }
        catch (IOException) { return "?"; }
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
