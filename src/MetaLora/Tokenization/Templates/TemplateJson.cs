using System.Globalization;
using System.Text;
using static MetaLora.Tokenization.Templates.TemplateValues;

namespace MetaLora.Tokenization.Templates;

/// <summary>
/// The <c>tojson</c> filter as transformers defines it: Python's <c>json.dumps(value, ensure_ascii=False,
/// indent=None, separators=None, sort_keys=False)</c>. So by default items are separated by ", " and keys
/// by ": ", keys keep their order, and non-ASCII text is written as is; with an indent the item
/// separator is ",". Unlike Jinja's own tojson, nothing is HTML-escaped.
/// </summary>
internal static class TemplateJson
{
    private const int MaxDepth = 64;

    public static string Serialize(object? value, CallArguments arguments)
    {
        var bound = arguments.Bind("tojson", "indent", "ensure_ascii", "separators", "sort_keys");
        var indent = CallArguments.Or(bound[0], null) switch
        {
            null => null,
            string s => s,
            (long or bool) and var n => new string(' ', (int)Math.Clamp(ToLong(n), 0, 64)),
            var other => throw new ChatTemplateException($"tojson() indent must be an integer or a string, not {TypeName(other)}"),
        };
        var (itemSeparator, keySeparator) = Separators(CallArguments.Or(bound[2], null), indent is not null);
        var writer = new Writer(indent, Truthy(CallArguments.Or(bound[1], false)), itemSeparator, keySeparator, Truthy(CallArguments.Or(bound[3], false)));
        writer.Write(value, 0);
        return writer.ToString();
    }

    private static (string Item, string Key) Separators(object? separators, bool indented) => separators switch
    {
        null => (indented ? "," : ", ", ": "),
        TemplateList { Count: 2 } pair when pair[0] is string item && pair[1] is string key => (item, key),
        _ => throw new ChatTemplateException("tojson() separators must be a pair of strings"),
    };

    private sealed class Writer(string? indent, bool ensureAscii, string itemSeparator, string keySeparator, bool sortKeys)
    {
        private readonly StringBuilder _json = new();

        public override string ToString() => _json.ToString();

        public void Write(object? value, int depth)
        {
            if (depth > MaxDepth) throw new ChatTemplateException($"tojson: a value nested more than {MaxDepth} deep");
            switch (value)
            {
                case null: _json.Append("null"); break;
                case bool b: _json.Append(b ? "true" : "false"); break;
                case long l: _json.Append(l.ToString(CultureInfo.InvariantCulture)); break;
                case double d: _json.Append(Number(d)); break;
                case string s: WriteString(s); break;
                case TemplateList list: WriteContainer('[', ']', list.Count, list, (item, level) => Write(item, level), depth); break;
                case TemplateDict dict: WriteContainer('{', '}', dict.Count, Entries(dict), WriteEntry, depth); break;
                default: throw new ChatTemplateException($"Object of type {TypeName(value)} is not JSON serializable");
            }
            RenderBudget.CheckLength(_json.Length, RenderBudget.MaxChars);
        }

        private static string Number(double d) =>
            double.IsNaN(d) ? "NaN" : double.IsPositiveInfinity(d) ? "Infinity" : double.IsNegativeInfinity(d) ? "-Infinity" : FloatRepr(d);

        private IEnumerable<KeyValuePair<object, object?>> Entries(TemplateDict dict)
        {
            if (!sortKeys) return dict.Pairs;
            var pairs = dict.Pairs.ToList();
            pairs.Sort((a, b) => TemplateValues.Compare(a.Key, b.Key, "<"));
            return pairs;
        }

        private void WriteEntry(KeyValuePair<object, object?> entry, int depth)
        {
            // JSON keys are strings: json.dumps writes other keys as their JSON text.
            WriteString(entry.Key switch
            {
                string s => s,
                bool b => b ? "true" : "false",
                long l => l.ToString(CultureInfo.InvariantCulture),
                double d => Number(d),
                _ => throw new ChatTemplateException($"keys must be str, int, float or bool, not {TypeName(entry.Key)}"),
            });
            _json.Append(keySeparator);
            Write(entry.Value, depth);
        }

        private void WriteContainer<T>(char open, char close, int count, IEnumerable<T> items, Action<T, int> write, int depth)
        {
            if (count == 0)
            {
                _json.Append(open).Append(close);
                return;
            }
            _json.Append(open);
            var first = true;
            foreach (var item in items)
            {
                if (!first) _json.Append(itemSeparator);
                first = false;
                NewLine(depth + 1);
                write(item, depth + 1);
            }
            NewLine(depth);
            _json.Append(close);
        }

        private void NewLine(int depth)
        {
            if (indent is null) return;
            _json.Append('\n');
            for (var i = 0; i < depth; i++) _json.Append(indent);
        }

        private void WriteString(string s)
        {
            _json.Append('"');
            foreach (var c in s)
            {
                switch (c)
                {
                    case '"': _json.Append("\\\""); break;
                    case '\\': _json.Append("\\\\"); break;
                    case '\n': _json.Append("\\n"); break;
                    case '\r': _json.Append("\\r"); break;
                    case '\t': _json.Append("\\t"); break;
                    case '\b': _json.Append("\\b"); break;
                    case '\f': _json.Append("\\f"); break;
                    case < ' ': _json.Append(CultureInfo.InvariantCulture, $"\\u{(int)c:x4}"); break;
                    // ensure_ascii escapes every character outside ' '..'~', a surrogate pair as two escapes.
                    case > '~' when ensureAscii: _json.Append(CultureInfo.InvariantCulture, $"\\u{(int)c:x4}"); break;
                    default: _json.Append(c); break;
                }
            }
            _json.Append('"');
        }
    }
}
