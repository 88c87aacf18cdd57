using System.Buffers.Binary;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using MetaLora.IO;

namespace MetaLora.Prediction.Coefficients.Mlp;

/// <summary>
/// mlp_version's training state between two Adam steps, so that a training killed part way resumes
/// where it was instead of starting over. The file is keyed by everything the training depends on
/// (the engine included); a file with another key belongs to another training and is ignored. The
/// engine writes and restores its own state (f, Adam's moments and step count) exactly, so the result
/// has the same bits as an uninterrupted run.
/// </summary>
internal sealed class MlpCheckpoint(string path, string key)
{
    private const string Magic = "lora mlp_version checkpoint 2";

    /// <summary>SHA-256 over the options that shape training and the bits of its inputs (thread count excluded).</summary>
    public static string Key(double[,] distances, double[,] gram, long parameters, MlpOptions options)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture,
            $"{options.Hidden}\n{options.Steps}\n{options.LearningRate:R}\n{options.TrainFraction:R}\n{options.Seed}\n{parameters}\n{options.EngineLabel}\n")));
        Span<byte> buffer = stackalloc byte[8];
        foreach (var matrix in new[] { distances, gram })
            foreach (var x in matrix)
            {
                BinaryPrimitives.WriteDoubleLittleEndian(buffer, x);
                hash.AppendData(buffer);
            }
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    /// <summary>Writes the losses so far and the engine's state (<paramref name="state"/>) atomically.</summary>
    public void Save(IReadOnlyList<double> losses, Action<BinaryWriter> state) =>
        AtomicFile.Write(path, stream =>
        {
            using var writer = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true);
            writer.Write(Magic);
            writer.Write(key);
            writer.Write(losses.Count);
            foreach (var loss in losses) writer.Write(loss);
            state(writer);
        });

    /// <summary>
    /// Restores a checkpoint of this training (the losses here, the engine's state through
    /// <paramref name="restore"/>); returns the steps already done (0 if there is none).
    /// </summary>
    public int TryResume(List<double> losses, Action<BinaryReader> restore)
    {
        if (!File.Exists(path)) return 0;
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20);
        using var reader = new BinaryReader(stream, Encoding.UTF8);
        try
        {
            if (reader.ReadString() != Magic || reader.ReadString() != key) return 0;
            var count = reader.ReadInt32();
            var saved = new double[count];
            for (var i = 0; i < count; i++) saved[i] = reader.ReadDouble();
            restore(reader);
            losses.Clear();
            losses.AddRange(saved);
            return count;
        }
        catch (Exception e) when (e is EndOfStreamException or IOException or ArgumentException or InvalidDataException)
        {
            throw BadInputException.At(path, $"damaged mlp_version checkpoint ({e.Message.ReplaceLineEndings(" ")}); delete it to train from the start");
        }
    }

    public void Delete()
    {
        if (File.Exists(path)) File.Delete(path);
    }

    /// <summary>Writes doubles as raw little-endian bytes (a checkpoint is read back on the machine that wrote it).</summary>
    public static void WriteDoubles(BinaryWriter writer, ReadOnlySpan<double> values) => writer.Write(MemoryMarshal.AsBytes(values));

    /// <summary>Fills <paramref name="values"/> from bytes written by <see cref="WriteDoubles"/>.</summary>
    public static void ReadDoubles(BinaryReader reader, Span<double> values) => reader.BaseStream.ReadExactly(MemoryMarshal.AsBytes(values));
}
