namespace MetaLora.Tokenization.Templates;

/// <summary>One message of a chat, as OpenAI's <c>messages</c> hold it: a role (system, user, assistant, ...) and its text.</summary>
internal sealed record ChatMessage(string Role, string Content);
