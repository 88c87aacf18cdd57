namespace MetaLora.Hub;

/// <summary>The two kinds of Hugging Face repository the bank is made of.</summary>
internal enum RepoKind
{
    Model,
    Dataset,
}
