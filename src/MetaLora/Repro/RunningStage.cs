namespace MetaLora.Repro;

/// <summary>
/// The stage running in this process, as its runner set it: the hash of its code identity and
/// parameters. Verbs that resume per item mix it into their item keys, so items made by other code are
/// redone and items made by this code are kept after an interrupted run. Empty when a verb runs outside
/// a stage.
/// </summary>
internal static class RunningStage
{
    public static string Fingerprint { get; private set; } = "";

    /// <summary>Runs <paramref name="action"/> as the stage of <paramref name="fingerprint"/>.</summary>
    public static int Run(string fingerprint, Func<int> action)
    {
        Fingerprint = fingerprint;
        try { return action(); }
        finally { Fingerprint = ""; }
    }
}
