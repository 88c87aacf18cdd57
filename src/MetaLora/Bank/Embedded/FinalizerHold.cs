namespace MetaLora.Bank.Embedded;

/// <summary>
/// Parks the finalizer thread until disposed. TorchSharp turns every double or int argument into a
/// native scalar owned by a finalizable object that nothing keeps alive during the native call, so a
/// garbage collection on another thread can free it while libtorch still reads it: full bank builds
/// failed that way ("Unknown scalar type", "Expected false to be true" from Scalar::toFloat), and a
/// freed scalar whose memory is reused could also change a value silently. While the finalizer thread
/// waits here, no such scalar is freed. They pile up meanwhile (the base model's 1300 steps took a
/// build to about 1 GB resident), so callers <see cref="Cycle"/> the hold whenever no torch work is
/// running, which lets the finalizer thread free them and parks it again.
/// </summary>
internal sealed class FinalizerHold : IDisposable
{
    private ManualResetEventSlim _release = new(false);

    private FinalizerHold()
    {
    }

    public static FinalizerHold Start()
    {
        var hold = new FinalizerHold();
        hold.Park();
        return hold;
    }

    /// <summary>Lets the finalizer thread run the pending finalizers, then parks it again. Call only while no thread uses torch.</summary>
    public void Cycle()
    {
        _release.Set();
        _release = new ManualResetEventSlim(false);
        Park();
    }

    public void Dispose() => _release.Set();

    private void Park()
    {
        using var entered = new ManualResetEventSlim(false);
        Plant(_release, entered);
        GC.Collect();
        // The finalizer thread first finishes the finalizers queued before the parker; it normally gets
        // there in milliseconds. Should it not, the work goes on unprotected rather than stopping.
        entered.Wait(TimeSpan.FromSeconds(30));
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static void Plant(ManualResetEventSlim release, ManualResetEventSlim entered) => _ = new Parker(release, entered);

    private sealed class Parker(ManualResetEventSlim release, ManualResetEventSlim entered)
    {
        ~Parker()
        {
            try { entered.Set(); }
            catch (ObjectDisposedException) { } // Park gave up waiting
            release.Wait();
        }
    }
}
