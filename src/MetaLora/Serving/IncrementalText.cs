namespace MetaLora.Serving;

/// <summary>
/// One row's generated text as its tokens arrive, for streaming and for <c>stop</c> sequences. Each
/// token gives the text that is now final: the whole continuation is decoded again (a token's text can
/// depend on its neighbours, e.g. SentencePiece's leading space), and text is held back while it ends in
/// a partial character (U+FFFD from a byte sequence cut in two) or could be the start of a stop sequence.
/// A stop sequence ends the row; it is not part of the text, as in OpenAI's API.
/// </summary>
internal sealed class IncrementalText(Func<IReadOnlyList<int>, string> decode, IReadOnlyList<string> stops)
{
    private readonly List<int> _ids = [];
    private string _text = "";
    private int _emitted;

    /// <summary>True once a stop sequence appeared: the row is over.</summary>
    public bool Stopped { get; private set; }

    /// <summary>The tokens so far.</summary>
    public IReadOnlyList<int> Ids => _ids;

    /// <summary>The text so far, cut before the stop sequence once one appeared.</summary>
    public string Text => _text;

    /// <summary>Adds the row's next token; returns the text that became final with it (often empty).</summary>
    public string Add(int id)
    {
        if (Stopped) return "";
        _ids.Add(id);
        _text = decode(_ids);
        var first = -1;
        foreach (var stop in stops)
        {
            // Text given out held no stop, so a stop must end in what is new: look back by its length.
            var at = _text.IndexOf(stop, Math.Max(0, _emitted - stop.Length + 1), StringComparison.Ordinal);
            if (at >= 0 && (first < 0 || at < first)) first = at;
        }
        if (first >= 0)
        {
            _text = _text[..first];
            Stopped = true;
            return Take(_text.Length);
        }
        var final = _text.Length;
        while (final > _emitted && _text[final - 1] == '\uFFFD') final--;
        final -= HeldForStop(final);
        return Take(final);
    }

    /// <summary>At the row's end: whatever was held back.</summary>
    public string Flush() => Take(_text.Length);

    private string Take(int end)
    {
        if (end <= _emitted) return "";
        var piece = _text[_emitted..end];
        _emitted = end;
        return piece;
    }

    /// <summary>The length of the longest end of <c>_text[..end]</c> that begins some stop sequence.</summary>
    private int HeldForStop(int end)
    {
        var held = 0;
        foreach (var stop in stops)
            for (var n = Math.Min(stop.Length - 1, end - _emitted); n > held; n--)
                if (string.CompareOrdinal(_text, end - n, stop, 0, n) == 0)
                {
                    held = n;
                    break;
                }
        return held;
    }
}
