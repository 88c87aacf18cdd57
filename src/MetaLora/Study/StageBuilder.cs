namespace MetaLora.Study;

/// <summary>
/// One stage's parameters (part of its identity) and command (what runs), built together: a value that
/// is both is written once, with <see cref="Value"/>, so the two cannot drift apart.
/// </summary>
internal sealed class StageBuilder
{
    private readonly Dictionary<string, string> _parameters = [];
    private readonly List<string> _command;

    public StageBuilder(string verb)
    {
        Verb = verb;
        _command = [.. verb.Split(' ')];
    }

    public string Verb { get; }

    public IReadOnlyDictionary<string, string> Parameters => _parameters;

    public IReadOnlyList<string> Command => _command;

    /// <summary>A parameter passed on the command line as <c>--name value</c>.</summary>
    public StageBuilder Value(string name, string value)
    {
        _parameters[name] = value;
        _command.AddRange(["--" + name, value]);
        return this;
    }

    /// <summary>A parameter that is not on the command line (a default the verb applies itself, or a fact about the stage).</summary>
    public StageBuilder Param(string name, string value)
    {
        _parameters[name] = value;
        return this;
    }

    /// <summary>Command words that are not parameters (folders, which do not change what a stage computes).</summary>
    public StageBuilder Words(params IEnumerable<string> words)
    {
        _command.AddRange(words);
        return this;
    }
}
