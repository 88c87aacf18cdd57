namespace MetaLora.Tests.Distances;

internal static class Close
{
    /// <summary>|actual - expected| within <paramref name="relative"/> of |expected|, or below a tiny
    /// absolute floor so that exact zeros compare with last-bit noise.</summary>
    public static void Equal(double expected, double actual, double relative, string what, double absolute = 1e-15)
    {
        var error = Math.Abs(actual - expected);
        Assert.True(error <= relative * Math.Abs(expected) + absolute,
            $"{what}: expected {expected:R}, got {actual:R} (error {error:E2})");
    }
}
