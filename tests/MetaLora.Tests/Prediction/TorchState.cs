namespace MetaLora.Tests.Prediction;

/// <summary>
/// Tests that seed torch's global generator or set its thread count: they run alone, so no other test
/// draws from the generator between a seed and the draws it is meant to fix.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class TorchState
{
    public const string Name = "torch global state";
}
