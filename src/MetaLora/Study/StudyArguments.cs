using System.Globalization;

namespace MetaLora.Study;

/// <summary>
/// A run's named arguments as given (later ones win), with the checks every argument shares: known
/// names, flags, non-empty values and whole numbers. Errors name the argument in one line.
/// </summary>
internal sealed class StudyArguments
{
    private readonly Dictionary<string, string> _given = new(StringComparer.OrdinalIgnoreCase);
    private readonly List<string> _order = [];

    public StudyArguments(IEnumerable<KeyValuePair<string, string>> arguments)
    {
        foreach (var (rawName, value) in arguments)
        {
            var name = rawName.ToLowerInvariant();
            if (!StudyOptions.Known.Contains(name))
                throw new BadInputException($"unknown argument --{rawName}; valid: {string.Join(", ", StudyOptions.Known.Select(a => "--" + a))}");
            if (!_given.ContainsKey(name)) _order.Add(name);
            _given[name] = value;
        }
    }

    public string? Get(string name) => _given.TryGetValue(name, out var v) ? v : null;

    public bool Has(string name) => _given.ContainsKey(name);

    /// <summary>A switch: present (and not "false") means true.</summary>
    public bool Flag(string name) => Get(name) is { } v && !v.Equals("false", StringComparison.OrdinalIgnoreCase);

    /// <summary>The value, or <paramref name="fallback"/>; either way not empty.</summary>
    public string NonEmpty(string name, string fallback)
    {
        var value = Get(name) ?? fallback;
        return value.Trim().Length > 0 ? value : throw new BadInputException($"--{name} is empty");
    }

    /// <summary>A whole number of at least <paramref name="min"/>, or <paramref name="fallback"/> when not given.</summary>
    public int Whole(string name, int fallback, int min, string note = "") => Get(name) is { } text ? Whole(text, name, min, note) : fallback;

    public static int Whole(string text, string name, int min, string note = "") =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value >= min
            ? value
            : throw new BadInputException($"--{name}={text}: expected a whole number >= {min}{note}");

    /// <summary>The arguments as given, normalised to <c>--name=value</c> (flags as <c>--name</c>), in the order first given.</summary>
    public IReadOnlyList<string> CommandLine(IReadOnlyCollection<string> flags) =>
        _order.Select(n => flags.Contains(n) ? (Flag(n) ? $"--{n}" : $"--{n}=false") : $"--{n}={_given[n]}").ToArray();
}
