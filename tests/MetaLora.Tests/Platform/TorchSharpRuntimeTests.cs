using TorchSharp;

namespace MetaLora.Tests.Platform;

/// <summary>
/// TorchSharp's native library loads and computes in this process. On systems whose libstdc++ predates
/// GCC 13 this only holds because the build patched the copy in the output folder.
/// </summary>
public sealed class TorchSharpRuntimeTests
{
    [Fact]
    public void MatmulMatchesManualSum()
    {
        const int n = 64;
        torch.manual_seed(20240601);
        using var a = torch.randn(n, n);
        using var b = torch.randn(n, n);
        using var product = a.matmul(b);

        var x = a.data<float>().ToArray();
        var y = b.data<float>().ToArray();
        var z = product.data<float>().ToArray();
        for (var i = 0; i < n; i++)
        {
            for (var j = 0; j < n; j++)
            {
                var sum = 0.0;
                for (var k = 0; k < n; k++)
                    sum += (double)x[i * n + k] * y[k * n + j];
                Assert.Equal(sum, z[i * n + j], 1e-3);
            }
        }
    }

    [Fact]
    public void BackwardGivesTheGradient()
    {
        using var x = torch.tensor(new float[] { 1f, -2f, 3f }, requires_grad: true);
        using var square = x * x;
        using var loss = square.sum();
        loss.backward();

        // d/dx sum(x^2) = 2x
        Assert.Equal(new float[] { 2f, -4f, 6f }, x.grad!.data<float>().ToArray());
    }

    [LinuxFact]
    public void NativeLibraryComesFromTheOutputFolder()
    {
        using var t = torch.ones(1);
        var mapped = File.ReadAllLines("/proc/self/maps")
            .Select(line => line.IndexOf('/') is var slash and >= 0 ? line[slash..] : "")
            .Where(path => Path.GetFileName(path) == "libLibTorchSharp.so")
            .Distinct()
            .ToArray();

        // The output copy is the one the build may have patched; the package cache copy must stay untouched.
        var path = Assert.Single(mapped);
        Assert.StartsWith(AppContext.BaseDirectory, path, StringComparison.Ordinal);
    }
}
