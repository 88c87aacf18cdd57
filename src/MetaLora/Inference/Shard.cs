namespace MetaLora.Inference;

/// <summary>Which slice of the tasks a run does: tasks whose bank index mod <see cref="Count"/> is <see cref="Index"/>.</summary>
internal readonly record struct Shard(int Index, int Count)
{
    public static Shard All => new(0, 1);

    public bool Includes(int taskIndex) => taskIndex % Count == Index;

    public override string ToString() => $"{Index}/{Count}";

    /// <summary>"i/n" with 0 &lt;= i &lt; n.</summary>
    public static Shard Parse(string text)
    {
        var parts = text.Split('/');
        if (parts.Length == 2 && int.TryParse(parts[0], out var i) && int.TryParse(parts[1], out var n) && n >= 1 && i >= 0 && i < n)
            return new Shard(i, n);
        throw new BadInputException($"--shard={text}: expected i/n with 0 <= i < n (e.g. 0/4)");
    }
}
