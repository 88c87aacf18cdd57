namespace MetaLora.Model;

/// <summary>One supervised sample: the model reads <see cref="Prompt"/> and learns to continue with <see cref="Output"/> (append EOS to it to teach stopping).</summary>
internal sealed record TrainingExample(IReadOnlyList<int> Prompt, IReadOnlyList<int> Output);
