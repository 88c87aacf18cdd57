namespace MetaLora.Formats;

/// <summary>One example of a task: the prompt and its accepted answers (the first is the training target).</summary>
public sealed record Sample(string Id, string Input, IReadOnlyList<string> Output);
