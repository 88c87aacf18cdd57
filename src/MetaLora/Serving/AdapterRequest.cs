using System.Text.Json;

namespace MetaLora.Serving;

/// <summary>A <c>POST /v1/load_lora_adapter</c> (name and path) or <c>/v1/unload_lora_adapter</c> (name) body, read strictly as completions are.</summary>
internal sealed record AdapterRequest(string Name, string? Path)
{
    private static readonly HashSet<string> LoadFields = ["lora_name", "lora_path"];
    private static readonly HashSet<string> UnloadFields = ["lora_name"];

    public static AdapterRequest ParseLoad(JsonElement body)
    {
        RequestFields.CheckNames(body, LoadFields);
        return new AdapterRequest(RequestFields.RequiredString(body, "lora_name"), RequestFields.RequiredString(body, "lora_path"));
    }

    public static AdapterRequest ParseUnload(JsonElement body)
    {
        RequestFields.CheckNames(body, UnloadFields);
        return new AdapterRequest(RequestFields.RequiredString(body, "lora_name"), null);
    }
}
