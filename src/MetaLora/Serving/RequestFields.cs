using System.Text.Json;

namespace MetaLora.Serving;

/// <summary>
/// Typed reads of a request body's fields, each refusing a wrong type with a 400 that names the field.
/// The body is valid UTF-8 by the time it gets here (<see cref="RequestBody"/>), so reading a string never fails.
/// </summary>
internal static class RequestFields
{
    /// <summary>Field names are echoed in messages; one this long is a hostile one, cut short.</summary>
    private const int EchoedNameLength = 64;

    /// <summary>Refuses a field given twice (JSON readers disagree on which one wins) and any field not in <paramref name="known"/>.</summary>
    public static void CheckNames(JsonElement body, IReadOnlySet<string> known)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var property in body.EnumerateObject())
        {
            var name = property.Name.Length <= EchoedNameLength ? property.Name : property.Name[..EchoedNameLength] + "...";
            if (!seen.Add(property.Name)) throw ServeException.BadRequest($"{name} is given twice", name);
            if (!known.Contains(property.Name)) throw ServeException.BadRequest($"unknown field: {name}", name);
        }
    }

    /// <summary>Whether <paramref name="name"/> is absent or null.</summary>
    public static bool Missing(JsonElement body, string name, out JsonElement value) =>
        !body.TryGetProperty(name, out value) || value.ValueKind == JsonValueKind.Null;

    public static string RequiredString(JsonElement body, string name) =>
        body.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String && value.GetString()!.Length > 0
            ? value.GetString()!
            : throw ServeException.BadRequest($"{name} is required (a non-empty string)", name);

    /// <summary>A whole number (5 or 5.0); a finite one beyond <see cref="long"/>'s range comes back as its end, for the caller's range check to refuse.</summary>
    public static long WholeNumber(JsonElement body, string name, long missing)
    {
        if (Missing(body, name, out var value)) return missing;
        if (value.ValueKind == JsonValueKind.Number)
        {
            if (value.TryGetInt64(out var number)) return number;
            if (value.TryGetDouble(out var real) && double.IsFinite(real) && Math.Floor(real) == real)
                return real >= long.MaxValue ? long.MaxValue : real <= long.MinValue ? long.MinValue : (long)real;
        }
        throw ServeException.BadRequest($"{name} must be a whole number", name);
    }

    public static bool Boolean(JsonElement body, string name, bool missing)
    {
        if (Missing(body, name, out var value)) return missing;
        return value.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            _ => throw ServeException.BadRequest($"{name} must be true or false", name),
        };
    }

    /// <summary>A finite number: JSON has no NaN or infinity, but 1e999 reads as infinity in some parsers and is refused here.</summary>
    public static double FiniteNumber(JsonElement body, string name, double missing)
    {
        if (Missing(body, name, out var value)) return missing;
        if (value.ValueKind == JsonValueKind.Number && value.TryGetDouble(out var number) && double.IsFinite(number)) return number;
        throw ServeException.BadRequest($"{name} must be a finite number", name);
    }
}
