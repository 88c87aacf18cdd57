using MetaLora.Bank;
using MetaLora.Formats;
using MetaLora.Stages;
using MetaLora.Tests.Support;
using MetaLora.Tokenization;
using MetaLora.Layout;

namespace MetaLora.Tests.Stages;

public sealed class TokenizeStageTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Writes_input_plus_first_output_of_every_train_sample_concatenated()
    {
        Directory.CreateDirectory(_dir["bank/datasets/a"]);
        File.WriteAllText(_dir["bank/bank.json"], """{"name": "b", "tokenizer": {"kind": "tiktoken", "model": "gpt2"}, "vocab_size": 50257, "tasks": ["a"]}""");
        File.WriteAllText(_dir["bank/datasets/a/train.jsonl"],
            """{"input": "Hello", "output": [" world", " ignored"]}""" + "\n" + """{"input": "Hello", "output": [" world"]}""" + "\n");
        var layout = new DataLayout(_dir["data"]);
        TokenizeStage.Run(BankInfo.Load(_dir["bank"]), layout, 0, false);
        Assert.Equal([15496, 995, 15496, 995], Npy.ReadInt32(layout.TokenFile("a")));
    }

    [Fact]
    public void Parallel_tasks_sharing_one_tokenizer_match_one_by_one_tokenizing()
    {
        var tasks = FixtureBank.Create(_dir["bank"], tasks: 12, samples: 200, wordsPerInput: 30);
        var bank = BankInfo.Load(_dir["bank"]);
        var layout = new DataLayout(_dir["data"]);
        TokenizeStage.Run(bank, layout, 0, false);
        foreach (var task in tasks)
        {
            var expected = TaskTokenizer.Tokenize(TokenizerFactory.Create(bank), Dataset.ReadSplit(bank.DatasetDir(task), "train"), bank.VocabSize, task);
            Assert.Equal(expected, Npy.ReadInt32(layout.TokenFile(task)));
        }
    }

    [Fact]
    public void Only_changed_tasks_are_redone_and_limit_takes_the_first_tasks()
    {
        var tasks = FixtureBank.Create(_dir["bank"], tasks: 5);
        var bank = BankInfo.Load(_dir["bank"]);
        var layout = new DataLayout(_dir["data"]);
        Assert.Equal(3, TokenizeStage.Run(bank, layout, 3, false).Tokenized);
        Assert.False(File.Exists(layout.TokenFile(tasks[3])));
        Assert.Equal(2, TokenizeStage.Run(bank, layout, 0, false).Tokenized);
        Assert.Equal(0, TokenizeStage.Run(bank, layout, 0, false).Tokenized);
        File.AppendAllText(Path.Combine(bank.DatasetDir(tasks[1]), "train.jsonl"), """{"input": "x", "output": ["y"]}""" + "\n");
        Assert.Equal(1, TokenizeStage.Run(bank, layout, 0, false).Tokenized);
        Assert.Equal(5, TokenizeStage.Run(bank, layout, 0, true).Tokenized);
    }

    [Fact]
    public void SentencePiece_bank_adds_bos_as_its_tokenizer_config_asks_and_a_config_edit_redoes_the_tasks()
    {
        Directory.CreateDirectory(_dir["bank/datasets/a"]);
        Directory.CreateDirectory(_dir["bank/base_model"]);
        File.Copy(Fixtures.Path("sentencepiece/llama.model"), _dir["bank/base_model/tokenizer.model"]);
        File.WriteAllText(_dir["bank/bank.json"],
            """{"name": "b", "tokenizer": {"kind": "sentencepiece", "path": "base_model/tokenizer.model"}, "vocab_size": 16000, "tasks": ["a"]}""");
        File.WriteAllText(_dir["bank/datasets/a/train.jsonl"], """{"input": "xyyy", "output": [""]}""" + "\n" + """{"input": "", "output": [""]}""" + "\n");
        var layout = new DataLayout(_dir["data"]);
        var tokenizer = SentencePieceBpeTokenizer.Load(_dir["bank/base_model/tokenizer.model"], addBos: false);
        var xyyy = tokenizer.EncodeToIds("xyyy").ToArray();

        // No tokenizer_config.json: BOS on every sample, the empty one included (as SentencePiece and Hugging Face do).
        TokenizeStage.Run(BankInfo.Load(_dir["bank"]), layout, 0, false);
        Assert.Equal([1, .. xyyy, 1], Npy.ReadInt32(layout.TokenFile("a")));

        File.WriteAllText(_dir["bank/base_model/tokenizer_config.json"], """{"add_bos_token": false, "add_eos_token": true}""");
        Assert.Equal(1, TokenizeStage.Run(BankInfo.Load(_dir["bank"]), layout, 0, false).Tokenized);
        Assert.Equal([.. xyyy, 2, 2], Npy.ReadInt32(layout.TokenFile("a")));
        Assert.Equal(0, TokenizeStage.Run(BankInfo.Load(_dir["bank"]), layout, 0, false).Tokenized);
    }
}
