using MetaLora.IO;

namespace MetaLora.Study;

/// <summary>
/// The one place where temporary files of killed writers are removed: a pipeline run holding a folder
/// exclusively, before any stage starts. Writers never clean up after others, so concurrent shards
/// cannot delete each other's temporary files; a leftover is hidden and skipped by every reader until then.
/// </summary>
internal static class Leftovers
{
    /// <summary>Removes the leftovers under each of <paramref name="roots"/>, which the caller holds exclusively, saying so on <paramref name="log"/>.</summary>
    public static void RemoveUnder(TextWriter log, params IEnumerable<string> roots)
    {
        foreach (var dir in roots)
            if (AtomicFile.RemoveLeftoversUnder(dir) is var removed and > 0)
                log.WriteLine($"removed {removed} temporary file(s) an interrupted run left in {dir}");
    }
}
