using System.Security.Cryptography;
using System.Text;
using MetaLora.Bank;
using MetaLora.Formats;
using MetaLora.Tokenization;
using MetaLora.IO;
using MetaLora.Layout;
using MetaLora.Repro;

namespace MetaLora.Stages;

/// <summary>
/// Tokenize: for each task, the token ids of every train sample's <c>input + output[0]</c>,
/// concatenated, into <c>preprocessed/tokens/&lt;task&gt;.npy</c>.
/// Tasks are first tokenized into a staging folder, one file per task, so a killed run resumes
/// where it stopped; only when every task succeeded are the files moved into place. Bad input in
/// any task therefore leaves the previous outputs untouched. A task is redone only when its train
/// split, the tokenizer or the stage's code changed.
/// </summary>
internal static class TokenizeStage
{
    public sealed record Summary(int Tasks, int Tokenized, int Resumed, long Tokens);

    public static Summary Run(BankInfo bank, DataLayout layout, int limit, bool force, IProgress<string>? progress = null)
    {
        var tasks = bank.Take(limit);
        var tokenizerKey = TokenizerKey(bank);
        var ledger = new ItemLedger(layout.ItemsDir(StageName.Of(StageKind.Tokenize)));
        var staging = new ItemLedger(Path.Combine(layout.ItemsDir(StageName.Of(StageKind.Tokenize)), "staged"));
        string Staged(string task) => Path.Combine(layout.ItemsDir(StageName.Of(StageKind.Tokenize)), "staged", task + ".npy");

        var keys = tasks.ToDictionary(t => t, t => ItemKey(bank, t, tokenizerKey));
        var pending = tasks.Where(t => force || !ledger.IsDone(t, keys[t], layout.TokenFile(t))).ToList();
        foreach (var task in tasks.Except(pending)) progress?.Report(task);

        // Parse every pending dataset first: malformed input fails before any tokenizing.
        ParallelItems.ForEach(pending, task => Dataset.ReadSplit(bank.DatasetDir(task), "train"));

        var tokenizer = TokenizerFactory.Create(bank);
        long tokens = 0;
        var resumed = 0;
        // Parallel over tasks; each writes only its own file, so the result does not depend on timing.
        ParallelItems.ForEach(pending, task =>
        {
            if (!force && staging.IsDone(task, keys[task], Staged(task)))
            {
                Interlocked.Increment(ref resumed);
            }
            else
            {
                var samples = Dataset.ReadSplit(bank.DatasetDir(task), "train");
                var ids = TaskTokenizer.Tokenize(tokenizer, samples, bank.VocabSize, $"{bank.DatasetDir(task)} (train)");
                Npy.WriteInt32(Staged(task), ids);
                staging.MarkDone(task, keys[task], Staged(task));
                Interlocked.Add(ref tokens, ids.Length);
            }
            progress?.Report(task);
        });

        // Every task succeeded: move the staged files into place (a rename each).
        Directory.CreateDirectory(layout.TokensDir);
        foreach (var task in pending)
        {
            File.Move(Staged(task), layout.TokenFile(task), overwrite: true);
            ledger.MarkDone(task, keys[task], layout.TokenFile(task));
            staging.Forget(task);
        }
        return new Summary(tasks.Count, pending.Count, resumed, tokens);
    }

    private static string ItemKey(BankInfo bank, string task, string tokenizerKey)
    {
        var sb = new StringBuilder(tokenizerKey).Append('\n').Append(RunningStage.Fingerprint).Append('\n');
        foreach (var file in Dataset.SplitFiles(bank.DatasetDir(task), "train"))
            sb.Append(Path.GetFileName(file)).Append('\t').Append(FileStamp.Hash(file)).Append('\n');
        return Sha256(sb.ToString());
    }

    private static string TokenizerKey(BankInfo bank)
    {
        var t = bank.Tokenizer;
        var key = $"{t.Kind}|{t.Model}|{t.Path}|{bank.VocabSize}";
        if (t.Path is not null)
        {
            var file = Path.Combine(bank.Directory, t.Path);
            if (File.Exists(file)) key += "|" + FileStamp.Hash(file);
            // A SentencePiece model's BOS/EOS flags live in the tokenizer_config.json beside it.
            var config = Path.Combine(Path.GetDirectoryName(file)!, SpecialTokenFlags.ConfigFileName);
            if (t.Kind == TokenizerSpec.SentencePiece && File.Exists(config)) key += "|" + FileStamp.Hash(config);
        }
        return key;
    }

    private static string Sha256(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));
}
