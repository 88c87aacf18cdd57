namespace MetaLora.Inference;

/// <summary>What an Infer run did: tasks in its share, tasks generated and kept from before, samples generated and prompts cut to fit the model.</summary>
internal sealed record InferSummary(int Tasks, int Generated, int Kept, int Samples, int Truncated);
