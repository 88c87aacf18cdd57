using System.Globalization;
using System.Text;

namespace MetaLora.Tokenization.Templates;

/// <summary>
/// Splits a template into tokens as Jinja's lexer does in the environment transformers renders chat
/// templates with: newlines become \n and one trailing newline is dropped (keep_trailing_newline off);
/// trim_blocks removes the first newline after a block or comment tag; lstrip_blocks removes the spaces
/// and tabs before a block or comment tag that starts a line; <c>-</c> inside a tag's delimiter strips all
/// whitespace on that side and <c>+</c> turns lstrip_blocks or trim_blocks off for that tag.
/// </summary>
internal sealed class TemplateLexer
{
    // Two-character operators first, so that the longest one wins.
    private static readonly string[] Operators =
        ["//", "**", "==", "!=", "<=", ">=", "+", "-", "/", "*", "%", "~", "<", ">", "=", "(", ")", "[", "]", "{", "}", ",", ".", ":", "|"];

    private readonly string _source;
    private readonly List<int> _lineStarts = [0];
    private readonly List<TemplateToken> _tokens = [];
    private int _pos;
    // lstrip_blocks also strips before a tag when the text since the previous tag starts a line: at the
    // template's start and after a tag whose end consumed a newline, as Jinja's line_starting.
    private bool _lineStarting = true;

    private TemplateLexer(string source)
    {
        _source = source;
        for (var i = 0; i < source.Length; i++)
            if (source[i] == '\n') _lineStarts.Add(i + 1);
    }

    public static IReadOnlyList<TemplateToken> Tokenize(string source)
    {
        var lexer = new TemplateLexer(NormalizeNewlines(source));
        lexer.Run();
        return lexer._tokens;
    }

    /// <summary>\r\n and \r become \n, and one trailing newline is dropped, as Jinja's defaults do.</summary>
    internal static string NormalizeNewlines(string source)
    {
        var text = source.Replace("\r\n", "\n").Replace('\r', '\n');
        return text.EndsWith('\n') ? text[..^1] : text;
    }

    private void Run()
    {
        while (_pos < _source.Length)
        {
            var tag = FindTag(_pos);
            if (tag < 0)
            {
                AddData(_source[_pos..], _pos);
                break;
            }
            var kind = _source[tag + 1];
            var sign = tag + 2 < _source.Length && _source[tag + 2] is '-' or '+' ? _source[tag + 2] : '\0';
            AddData(LeadingText(_source[_pos..tag], kind, sign), _pos);
            _pos = tag + (sign == '\0' ? 2 : 3);
            if (kind == '#') SkipComment(tag);
            else LexTag(kind == '%' ? TokenKind.BlockBegin : TokenKind.VariableBegin, tag);
        }
        Add(TokenKind.End, "", _source.Length);
    }

    private int FindTag(int from)
    {
        for (var i = _source.IndexOf('{', from); i >= 0 && i + 1 < _source.Length; i = _source.IndexOf('{', i + 1))
            if (_source[i + 1] is '{' or '%' or '#') return i;
        return -1;
    }

    /// <summary>The text before a tag after the tag's whitespace control: '-' strips all whitespace, lstrip_blocks a line's indentation.</summary>
    private string LeadingText(string text, char kind, char sign)
    {
        if (sign == '-') return TemplateStrings.TrimEndWhitespace(text);
        if (sign == '+' || kind == '{') return text;
        var lineStart = text.LastIndexOf('\n') + 1;
        var indentationOnly = lineStart < text.Length && TemplateStrings.IsAllWhitespace(text.AsSpan(lineStart));
        return (lineStart > 0 || _lineStarting) && indentationOnly ? text[..lineStart] : text;
    }

    private void SkipComment(int tag)
    {
        for (var i = _pos; i + 1 < _source.Length; i++)
        {
            if (_source[i] is '-' or '+' && _source.AsSpan(i + 1).StartsWith("#}"))
            {
                EndTag(i + 3, _source[i], trimNewline: true);
                return;
            }
            if (_source[i] == '#' && _source[i + 1] == '}')
            {
                EndTag(i + 2, '\0', trimNewline: true);
                return;
            }
        }
        throw Error(tag, "the comment opened here is never closed with '#}'");
    }

    /// <summary>Moves past a tag's end: '-' eats all whitespace after it, a plain block or comment end one newline (trim_blocks).</summary>
    private void EndTag(int end, char sign, bool trimNewline)
    {
        _pos = end;
        if (sign == '-')
            while (_pos < _source.Length && TemplateStrings.IsWhitespace(_source[_pos])) _pos++;
        else if (sign == '\0' && trimNewline && _pos < _source.Length && _source[_pos] == '\n')
            _pos++;
        _lineStarting = _source[_pos - 1] == '\n';
    }

    private void LexTag(TokenKind begin, int tag)
    {
        var block = begin == TokenKind.BlockBegin;
        Add(begin, block ? "{%" : "{{", tag);
        if (block) RefuseRaw(tag);
        // Jinja ends a tag only where brackets balance, so "{{ {'a': 1}}}" closes after the dict.
        var open = new Stack<char>();
        while (true)
        {
            while (_pos < _source.Length && TemplateStrings.IsWhitespace(_source[_pos])) _pos++;
            if (_pos >= _source.Length)
                throw Error(tag, $"the tag opened here is never closed with '{(block ? "%}" : "}}")}'");
            if (open.Count == 0 && TryEndTag(block)) return;
            LexExpressionToken(open);
        }
    }

    private bool TryEndTag(bool block)
    {
        var sign = _source[_pos] is '-' || (block && _source[_pos] == '+') ? _source[_pos] : '\0';
        var at = _pos + (sign == '\0' ? 0 : 1);
        var close = block ? "%}" : "}}";
        if (!_source.AsSpan(at).StartsWith(close)) return false;
        Add(block ? TokenKind.BlockEnd : TokenKind.VariableEnd, close, _pos);
        EndTag(at + 2, sign, trimNewline: block);
        return true;
    }

    /// <summary>A raw block's body is not Jinja, so it is refused before its content can be misread as tokens.</summary>
    private void RefuseRaw(int tag)
    {
        var i = _pos;
        while (i < _source.Length && TemplateStrings.IsWhitespace(_source[i])) i++;
        if (_source.AsSpan(i).StartsWith("raw") && (i + 3 >= _source.Length || !IsNameChar(_source[i + 3])))
            throw Error(tag, "'raw' blocks are not supported");
    }

    private void LexExpressionToken(Stack<char> open)
    {
        var start = _pos;
        var c = _source[_pos];
        if (char.IsAsciiLetter(c) || c == '_')
        {
            while (_pos < _source.Length && IsNameChar(_source[_pos])) _pos++;
            Add(TokenKind.Name, _source[start.._pos], start);
        }
        else if (char.IsAsciiDigit(c)) LexNumber();
        else if (c is '\'' or '"') LexString();
        else LexOperator(open);
    }

    private static bool IsNameChar(char c) => char.IsAsciiLetterOrDigit(c) || c == '_';

    private void LexNumber()
    {
        var start = _pos;
        SkipDigits();
        var isFloat = false;
        // As Jinja's float rule: a fraction needs digits after the point, and a number right after a '.'
        // is an integer, so messages.0.content is an item access.
        if (start == 0 || _source[start - 1] != '.')
        {
            if (_pos + 1 < _source.Length && _source[_pos] == '.' && char.IsAsciiDigit(_source[_pos + 1]))
            {
                _pos++;
                SkipDigits();
                isFloat = true;
            }
            isFloat |= SkipExponent();
        }
        Add(isFloat ? TokenKind.Float : TokenKind.Integer, _source[start.._pos].Replace("_", ""), start);
    }

    private bool SkipExponent()
    {
        if (_pos >= _source.Length || _source[_pos] is not ('e' or 'E')) return false;
        var digits = _pos + 1;
        if (digits < _source.Length && _source[digits] is '+' or '-') digits++;
        if (digits >= _source.Length || !char.IsAsciiDigit(_source[digits])) return false;
        _pos = digits;
        SkipDigits();
        return true;
    }

    /// <summary>Digits with single underscores between them (1_000).</summary>
    private void SkipDigits()
    {
        while (_pos < _source.Length && char.IsAsciiDigit(_source[_pos])) _pos++;
        while (_pos + 1 < _source.Length && _source[_pos] == '_' && char.IsAsciiDigit(_source[_pos + 1]))
        {
            _pos++;
            while (_pos < _source.Length && char.IsAsciiDigit(_source[_pos])) _pos++;
        }
    }

    private void LexString()
    {
        var start = _pos;
        var quote = _source[_pos++];
        var value = new StringBuilder();
        while (true)
        {
            if (_pos >= _source.Length) throw Error(start, "the string that starts here is never closed");
            var c = _source[_pos++];
            if (c == quote) break;
            if (c != '\\') value.Append(c);
            else if (_pos >= _source.Length) throw Error(start, "the string that starts here is never closed");
            else AppendEscape(value);
        }
        Add(TokenKind.String, value.ToString(), start);
    }

    /// <summary>One backslash escape, as Python's unicode-escape codec (which Jinja uses) reads it; an unknown escape stays as written.</summary>
    private void AppendEscape(StringBuilder value)
    {
        var escape = _pos - 1;
        var c = _source[_pos++];
        switch (c)
        {
            case '\n': break;
            case '\\' or '\'' or '"': value.Append(c); break;
            case 'a': value.Append('\a'); break;
            case 'b': value.Append('\b'); break;
            case 'f': value.Append('\f'); break;
            case 'n': value.Append('\n'); break;
            case 'r': value.Append('\r'); break;
            case 't': value.Append('\t'); break;
            case 'v': value.Append('\v'); break;
            case >= '0' and <= '7': value.Append((char)Octal(c)); break;
            case 'x': AppendCodePoint(value, Hex(2, escape), escape); break;
            case 'u': AppendCodePoint(value, Hex(4, escape), escape); break;
            case 'U': AppendCodePoint(value, Hex(8, escape), escape); break;
            case 'N': throw Error(escape, "\\N{...} escapes are not supported");
            default: value.Append('\\').Append(c); break;
        }
    }

    private int Octal(char first)
    {
        var code = first - '0';
        for (var i = 0; i < 2 && _pos < _source.Length && _source[_pos] is >= '0' and <= '7'; i++)
            code = code * 8 + (_source[_pos++] - '0');
        return code;
    }

    private long Hex(int digits, int escape)
    {
        if (_pos + digits > _source.Length
            || !long.TryParse(_source.AsSpan(_pos, digits), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var code))
            throw Error(escape, $"truncated \\{_source[_pos - 1]} escape: expected {digits} hexadecimal digits");
        _pos += digits;
        return code;
    }

    private void AppendCodePoint(StringBuilder value, long code, int escape)
    {
        if (code > 0x10FFFF) throw Error(escape, "\\U escape beyond U+10FFFF");
        if (code is >= 0xD800 and <= 0xDFFF) value.Append((char)code);
        else value.Append(char.ConvertFromUtf32((int)code));
    }

    private void LexOperator(Stack<char> open)
    {
        var op = Array.Find(Operators, o => _source.AsSpan(_pos).StartsWith(o));
        if (op is null) throw Error(_pos, $"unexpected character {TemplateStrings.Repr(_source[_pos].ToString())}");
        switch (op)
        {
            case "(": open.Push(')'); break;
            case "[": open.Push(']'); break;
            case "{": open.Push('}'); break;
            case ")" or "]" or "}":
                if (open.Count == 0) throw Error(_pos, $"unexpected '{op}'");
                var expected = open.Pop();
                if (expected != op[0]) throw Error(_pos, $"unexpected '{op}', expected '{expected}'");
                break;
        }
        Add(TokenKind.Operator, op, _pos);
        _pos += op.Length;
    }

    private void AddData(string text, int start)
    {
        if (text.Length > 0) Add(TokenKind.Data, text, start);
    }

    private void Add(TokenKind kind, string text, int start)
    {
        var (line, column) = Position(start);
        _tokens.Add(new TemplateToken(kind, text, line, column));
    }

    private (int Line, int Column) Position(int index)
    {
        var line = _lineStarts.BinarySearch(index);
        if (line < 0) line = ~line - 1;
        return (line + 1, index - _lineStarts[line] + 1);
    }

    private ChatTemplateException Error(int index, string problem)
    {
        var (line, column) = Position(index);
        return ChatTemplateException.At(line, column, problem);
    }
}
