namespace MetaLora.IO;

/// <summary>
/// One file written through <see cref="Stream"/> into a temporary file beside its target (named as
/// <see cref="AtomicFile.TempPath"/> says, so a killed writer's leftover is recognisable);
/// <see cref="Commit"/> flushes it to disk and renames it over the target. Disposing an uncommitted
/// writer deletes the temporary file, so a failed write leaves the target untouched.
/// </summary>
internal sealed class AtomicWriter : IDisposable
{
    private readonly string _target;
    private readonly string _temp;
    private readonly FileStream _stream;
    private bool _committed;

    public AtomicWriter(string path)
    {
        _target = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(_target)!);
        _temp = AtomicFile.TempPath(_target);
        _stream = new FileStream(_temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16);
    }

    public Stream Stream => _stream;

    /// <summary>Flushes the bytes to disk, then renames the temporary file over the target.</summary>
    public void Commit()
    {
        _stream.Flush(flushToDisk: true);
        _stream.Dispose();
        File.Move(_temp, _target, overwrite: true);
        _committed = true;
    }

    public void Dispose()
    {
        if (_committed) return;
        // Disposing flushes, which fails again on a full disk; the temporary file goes regardless.
        try { _stream.Dispose(); }
        finally { AtomicFile.TryDelete(_temp); }
    }
}
