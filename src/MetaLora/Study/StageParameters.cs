namespace MetaLora.Study;

/// <summary>Stage parameters given as <c>key=value</c> words on a command line.</summary>
internal static class StageParameters
{
    public static SortedDictionary<string, string> Parse(IEnumerable<string> words)
    {
        var parameters = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var word in words)
        {
            var eq = word.IndexOf('=');
            if (eq <= 0) throw new BadInputException($"--param {word}: expected key=value");
            parameters[word[..eq]] = word[(eq + 1)..];
        }
        return parameters;
    }
}
