namespace MetaLora.Tokenization;

/// <summary>
/// SentencePiece's BPE segmentation of normalised text (bpe_model.cc semantics). The text starts as
/// one symbol per character (a user-defined piece is one frozen symbol). Every adjacent pair whose
/// concatenation is a piece goes on an agenda ordered by the piece's score, highest first, ties to the
/// leftmost pair. The best pair is merged, unless it went stale (one side was merged meanwhile), and
/// the new symbol's pairs with its neighbours join the agenda. Merges into unused pieces are undone
/// at the end. A final symbol that is not a piece becomes its UTF-8 bytes' pieces with byte fallback,
/// else unknown (a run of unknowns is one unknown id, as SentencePiece emits).
/// </summary>
internal sealed class SentencePieceBpe
{
    private readonly Dictionary<string, int> _pieces;
    private readonly Dictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> _pieceLookup;
    private readonly Dictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> _reservedLookup;
    private readonly ulong[] _keys;
    private readonly bool[] _unused;
    private readonly int _unkId;
    private readonly int[]? _byteIds;
    private readonly UserDefinedMatcher _userDefined;

    [ThreadStatic] private static Scratch? t_scratch;

    public SentencePieceBpe(SentencePieceModel model, UserDefinedMatcher userDefined)
    {
        _pieces = new Dictionary<string, int>(StringComparer.Ordinal);
        var reserved = new Dictionary<string, int>(StringComparer.Ordinal);
        _keys = new ulong[model.Pieces.Count];
        _unused = new bool[model.Pieces.Count];
        for (var id = 0; id < model.Pieces.Count; id++)
        {
            var (piece, score, type) = model.Pieces[id];
            // As SentencePiece: normal, user-defined and unused pieces take part in merging; control,
            // unknown and byte pieces are only found by exact lookup. A duplicate piece keeps its first id.
            var isMergeable = type is SentencePieceModel.PieceType.Normal or SentencePieceModel.PieceType.UserDefined
                or SentencePieceModel.PieceType.Unused;
            (isMergeable ? _pieces : reserved).TryAdd(piece, id);
            _keys[id] = AgendaKey(score);
            _unused[id] = type == SentencePieceModel.PieceType.Unused;
        }
        _pieceLookup = _pieces.GetAlternateLookup<ReadOnlySpan<char>>();
        _reservedLookup = reserved.GetAlternateLookup<ReadOnlySpan<char>>();
        _unkId = model.UnkId;
        _userDefined = userDefined;
        if (model.ByteFallback)
        {
            _byteIds = new int[256];
            for (var b = 0; b < 256; b++) _byteIds[b] = PieceToId($"<0x{b:X2}>");
        }
    }

    /// <summary>
    /// The agenda dequeues its smallest key: the score's rank, highest score first, in the upper 32
    /// bits; the pair's left position (ties to the leftmost) goes in the lower 32.
    /// </summary>
    private static ulong AgendaKey(float score)
    {
        // -0 and +0 compare equal as floats, so they must share a rank.
        var bits = BitConverter.SingleToInt32Bits(score == 0 ? 0f : score);
        var ascending = (uint)(bits >= 0 ? bits ^ int.MinValue : ~bits);
        return (ulong)(uint.MaxValue - ascending) << 32;
    }

    /// <summary>SentencePiece's PieceToId: reserved pieces first, then the others, else unknown.</summary>
    private int PieceToId(ReadOnlySpan<char> piece) =>
        _reservedLookup.TryGetValue(piece, out var id) || _pieceLookup.TryGetValue(piece, out id) ? id : _unkId;

    /// <summary>
    /// Appends the ids of <paramref name="text"/> (already normalised) to <paramref name="ids"/> and,
    /// when <paramref name="ranges"/> is given, each id's span of <paramref name="text"/>.
    /// </summary>
    public void Encode(ReadOnlySpan<char> text, List<int> ids, List<(int Start, int End)>? ranges)
    {
        if (text.IsEmpty) return;
        var s = t_scratch ??= new Scratch();
        s.RevMerge.Clear();
        var count = Split(text, s);
        Merge(text, s);
        Dictionary<string, (string, string)>? revMerge = s.RevMerge.Count > 0 ? s.RevMerge : null;
        var previousUnknown = false;
        for (var i = 0; i >= 0 && count > 0; i = s.Next[i])
            Emit(text, s.Start[i], s.Length[i], revMerge, ids, ranges, ref previousUnknown);
        s.RevMerge.Clear();
    }

    /// <summary>One symbol per character (a surrogate pair is one), or per user-defined piece.</summary>
    private int Split(ReadOnlySpan<char> text, Scratch s)
    {
        s.Ensure(text.Length);
        var count = 0;
        for (var position = 0; position < text.Length;)
        {
            var length = _userDefined.Count > 0 ? _userDefined.LongestMatch(text[position..]) : 0;
            s.Frozen[count] = length > 0;
            if (length == 0)
                length = char.IsHighSurrogate(text[position]) && position + 1 < text.Length && char.IsLowSurrogate(text[position + 1]) ? 2 : 1;
            s.Start[count] = position;
            s.Length[count] = length;
            s.Prev[count] = count - 1;
            position += length;
            s.Next[count] = position < text.Length ? count + 1 : -1;
            count++;
        }
        return count;
    }

    private void Merge(ReadOnlySpan<char> text, Scratch s)
    {
        var agenda = s.Agenda;
        agenda.Clear();
        for (var i = 0; s.Next[i] >= 0; i = s.Next[i]) TryAddPair(text, s, i, s.Next[i]);

        while (agenda.TryDequeue(out var pair, out _))
        {
            var (left, right, length, id) = pair;
            // Stale: a side was merged into its left neighbour (empty) or grew by a merge on its right.
            if (s.Length[left] == 0 || s.Length[right] == 0 || s.Length[left] + s.Length[right] != length) continue;

            if (_unused[id])
                s.RevMerge[text.Slice(s.Start[left], length).ToString()] =
                    (text.Slice(s.Start[left], s.Length[left]).ToString(), text.Slice(s.Start[right], s.Length[right]).ToString());

            s.Length[left] = length;
            s.Length[right] = 0;
            s.Next[left] = s.Next[right];
            if (s.Next[right] >= 0) s.Prev[s.Next[right]] = left;

            if (s.Prev[left] >= 0) TryAddPair(text, s, s.Prev[left], left);
            if (s.Next[left] >= 0) TryAddPair(text, s, left, s.Next[left]);
        }
    }

    private void TryAddPair(ReadOnlySpan<char> text, Scratch s, int left, int right)
    {
        if (s.Frozen[left] || s.Frozen[right]) return;
        var length = s.Length[left] + s.Length[right];
        if (!_pieceLookup.TryGetValue(text.Slice(s.Start[left], length), out var id)) return;
        s.Agenda.Enqueue((left, right, length, id), _keys[id] | (uint)left);
    }

    private void Emit(ReadOnlySpan<char> text, int start, int length, Dictionary<string, (string Left, string Right)>? revMerge,
        List<int> ids, List<(int, int)>? ranges, ref bool previousUnknown)
    {
        var piece = text.Slice(start, length);
        var id = PieceToId(piece);
        if (revMerge is not null && id != _unkId && _unused[id] && revMerge.TryGetValue(piece.ToString(), out var parts))
        {
            // Unused pieces are split back into the pieces they were merged from, recursively.
            Emit(text, start, parts.Left.Length, revMerge, ids, ranges, ref previousUnknown);
            Emit(text, start + parts.Left.Length, parts.Right.Length, revMerge, ids, ranges, ref previousUnknown);
            return;
        }
        if (id != _unkId)
        {
            Add(ids, ranges, id, start, start + length);
            previousUnknown = false;
            return;
        }
        if (_byteIds is not null)
        {
            Span<byte> bytes = stackalloc byte[4 * length];
            var n = System.Text.Encoding.UTF8.GetBytes(piece, bytes);
            for (var k = 0; k < n; k++) Add(ids, ranges, _byteIds[bytes[k]], start, start + length);
            previousUnknown = false;
            return;
        }
        if (previousUnknown && ranges is not null)
            ranges[^1] = (ranges[^1].Item1, start + length);
        else if (!previousUnknown)
            Add(ids, ranges, _unkId, start, start + length);
        previousUnknown = true;
    }

    private static void Add(List<int> ids, List<(int, int)>? ranges, int id, int start, int end)
    {
        ids.Add(id);
        ranges?.Add((start, end));
    }

    /// <summary>Per-thread buffers, so that encoding allocates nothing per call in the common case.</summary>
    private sealed class Scratch
    {
        public int[] Start = [], Length = [], Prev = [], Next = [];
        public bool[] Frozen = [];
        public readonly PriorityQueue<(int Left, int Right, int Length, int Id), ulong> Agenda = new();
        public readonly Dictionary<string, (string, string)> RevMerge = new(StringComparer.Ordinal);

        public void Ensure(int n)
        {
            if (Start.Length >= n) return;
            var size = Math.Max(n, 2 * Start.Length);
            Start = new int[size];
            Length = new int[size];
            Prev = new int[size];
            Next = new int[size];
            Frozen = new bool[size];
        }
    }
}
