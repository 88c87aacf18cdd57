namespace MetaLora.Serving;

/// <summary>A request <c>lora serve</c> refuses, with the HTTP status and OpenAI error type to answer with.</summary>
public sealed class ServeException(int status, string type, string message, string? param = null) : Exception(message)
{
    public int Status { get; } = status;
    public string Type { get; } = type;
    public string? Param { get; } = param;

    public static ServeException BadRequest(string message, string? param = null) => new(400, "BadRequestError", message, param);

    public static ServeException UnknownModel(string model) => new(404, "NotFoundError", $"The model `{model}` does not exist.", "model");
}
