using System.Text;

namespace MetaLora.Tokenization.Templates;

/// <summary>
/// The work one render may do. Messages come from HTTP clients, so a template must not be made to loop,
/// build or print without bound: past any limit the render stops with a <see cref="ChatTemplateException"/>.
/// </summary>
internal sealed class RenderBudget
{
    /// <summary>The longest rendered prompt, and the longest string a render may build, in UTF-16 characters (1 MiB of them).</summary>
    public const int MaxChars = 1 << 20;

    /// <summary>Loop iterations per render, over all loops.</summary>
    public const int MaxIterations = 100_000;

    /// <summary>The most items a list may hold (range(), list repetition and concatenation).</summary>
    public const int MaxItems = 100_000;

    /// <summary>
    /// Characters built by string operations per render: strings concatenated in a loop cost the square
    /// of their length, and this caps that at a fraction of a second.
    /// </summary>
    public const long MaxWorkChars = 256L << 20;

    private int _iterations;
    private long _work;

    public void Iteration()
    {
        if (++_iterations > MaxIterations)
            throw new ChatTemplateException($"the template ran more than {MaxIterations} loop iterations");
    }

    /// <summary>Counts a string the render built against the limits and returns it.</summary>
    public string Text(string text)
    {
        CheckLength(text.Length, MaxChars);
        _work += text.Length;
        if (_work > MaxWorkChars)
            throw new ChatTemplateException($"the template built more than {MaxWorkChars} characters of strings");
        return text;
    }

    /// <summary>Refuses a string or list of <paramref name="length"/> before it is built.</summary>
    public static void CheckLength(long length, int max)
    {
        if (length > max) throw new ChatTemplateException($"the template would build a value of {length} items or characters (the limit is {max})");
    }

    /// <summary>Checks the rendered prompt (or a block captured by <c>set</c>) after something was written to it.</summary>
    public static void CheckOutput(StringBuilder output)
    {
        if (output.Length > MaxChars)
            throw new ChatTemplateException($"the rendered prompt is longer than {MaxChars} characters");
    }
}
