using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using MetaLora.Formats;
using MetaLora.IO;

namespace MetaLora.Prediction.Coefficients.Mlp;

/// <summary>
/// mlp_version's trained f, kept beside its coefficients (<c>mlp.dat</c> and <c>mlp.json</c>) so that
/// `lora generate` applies the very f the pipeline trained instead of training it again (hours at the
/// paper's size). <c>mlp.json</c> holds a key of everything training depends on; f is reused only when
/// the key computed now is the same.
/// </summary>
internal static class TrainedMlp
{
    public const string WeightsFileName = "mlp.dat";
    public const string KeyFileName = "mlp.json";

    /// <summary>
    /// SHA-256 over the training options (the engine included: the engines' f differ in the last bits), the task names, the distance matrix's bits and each bank
    /// adapter's weights file metadata: size, mtime, ctime and inode (a changed adapter changes the Gram
    /// matrix; a copied bank, even one copied with its mtimes kept, gets new ctimes and is retrained, which is safe).
    /// </summary>
    public static string Key(MlpOptions options, IReadOnlyList<string> tasks, double[,] distances, IReadOnlyList<PeftAdapter> adapters)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(Encoding.UTF8.GetBytes(string.Join('\n',
            "mlp_version", options.EngineLabel, options.Hidden, options.Steps, options.LearningRate.ToString("R", System.Globalization.CultureInfo.InvariantCulture),
            options.TrainFraction.ToString("R", System.Globalization.CultureInfo.InvariantCulture), options.Seed, string.Join('\t', tasks))));
        Span<byte> buffer = stackalloc byte[8];
        foreach (var d in distances)
        {
            BinaryPrimitives.WriteDoubleLittleEndian(buffer, d);
            hash.AppendData(buffer);
        }
        foreach (var adapter in adapters)
        {
            var meta = FileMeta.Of(adapter.WeightsPath) ?? throw new BadInputException($"{adapter.WeightsPath}: file not found");
            meta.AppendTo(hash);
        }
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    public static void Save(string dir, CoefficientMlp mlp, string key)
    {
        // TorchSharp writes only to a path.
        AtomicFile.WriteWith(Path.Combine(dir, WeightsFileName), mlp.Save);
        AtomicFile.WriteAllBytes(Path.Combine(dir, KeyFileName), JsonSerializer.SerializeToUtf8Bytes(
            new Dictionary<string, object> { ["hidden"] = mlp.Hidden, ["dtype"] = CoefficientMlp.DTypeName(mlp.DType), ["key"] = key },
            new JsonSerializerOptions { WriteIndented = true }));
    }

    /// <summary>
    /// The f saved in <paramref name="dir"/> if it was trained with this key, else null. <c>mlp.json</c>
    /// says in which precision the parameters are stored (float32 when it does not say).
    /// </summary>
    public static CoefficientMlp? TryLoad(string dir, int hidden, string key)
    {
        var keyFile = Path.Combine(dir, KeyFileName);
        var weights = Path.Combine(dir, WeightsFileName);
        if (!File.Exists(keyFile) || !File.Exists(weights)) return null;
        TorchSharp.torch.ScalarType dtype;
        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllBytes(keyFile));
            if (doc.RootElement.GetProperty("key").GetString() != key || doc.RootElement.GetProperty("hidden").GetInt32() != hidden)
                return null;
            var name = doc.RootElement.TryGetProperty("dtype", out var value) ? value.GetString() : "float32";
            if (CoefficientMlp.ParseDType(name) is not { } parsed)
                throw BadInputException.At(keyFile, $"unknown dtype '{name}'; expected float32 or float64");
            dtype = parsed;
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            return null;
        }
        return CoefficientMlp.Load(weights, hidden, dtype);
    }
}
