namespace MetaLora.Tokenization.Templates;

/// <summary>A whitelisted method taken from its value (<c>message.content.strip</c>), called by a later <c>()</c>.</summary>
internal sealed record BoundMethod(object Target, string Name);
