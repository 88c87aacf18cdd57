using static MetaLora.Tests.Tokenization.Templates.ChatTemplateTestKit;

namespace MetaLora.Tests.Tokenization.Templates;

/// <summary>
/// Whitespace as Jinja handles it with transformers' settings: trim_blocks (the newline right after a
/// block or comment tag goes), lstrip_blocks (spaces and tabs from the start of a line to a block or
/// comment tag go), the - and + marks, and newline normalisation with the final newline dropped.
/// </summary>
public sealed class ChatTemplateWhitespaceTests
{
    [Theory]
    // trim_blocks: the newline after {% if %} and after {% endif %} goes; the one after "yes" is text.
    [InlineData("{% if true %}\nyes\n{% endif %}\nafter", "yes\nafter")]
    // Only one newline goes.
    [InlineData("{% if true %}\n\nyes{% endif %}", "\nyes")]
    // Not after an output: "}}" ends no block.
    [InlineData("{{ 'a' }}\nb", "a\nb")]
    // After a comment too.
    [InlineData("a{# note #}\nb", "ab")]
    // "+%}" keeps the newline.
    [InlineData("{% if true +%}\nx{% endif %}", "\nx")]
    public void Trim_blocks(string template, string expected) => Assert.Equal(expected, Render(template));

    [Theory]
    // lstrip_blocks: indentation before a block tag that starts a line goes (spaces and tabs).
    [InlineData("  {% if true %}x{% endif %}", "x")]
    [InlineData("a\n \t {% if true %}x{% endif %}", "a\nx")]
    // Text before the tag on its line keeps the spaces.
    [InlineData("a  {% if true %}x{% endif %}", "a  x")]
    // Not before an output.
    [InlineData("a\n  {{ 'x' }}", "a\n  x")]
    // Before a comment too, whose newline trim_blocks then removes.
    [InlineData("a\n  {# note #}\nb", "a\nb")]
    // "{%+" keeps the indentation.
    [InlineData("  {%+ if true %}x{% endif %}", "  x")]
    // Spaces after a tag that ended without a newline do not start a line, so they stay...
    [InlineData("{% if true %}{% endif %}  {% if true %}x{% endif %}", "  x")]
    // ...while after a tag whose newline trim_blocks took they do, and go.
    [InlineData("{% if true %}\n  {% if true %}x{% endif %}{% endif %}", "x")]
    public void Lstrip_blocks(string template, string expected) => Assert.Equal(expected, Render(template));

    [Theory]
    // "-" strips all whitespace on its side, newlines included, for outputs, blocks and comments.
    [InlineData("a \n\n {{- 'b' -}} \n\n c", "abc")]
    [InlineData("a \n {%- if true -%} \n b \n {%- endif -%} \n c", "abc")]
    [InlineData("a \n {#- note -#} \n c", "ac")]
    // A "-" that ends a tag strips only after it.
    [InlineData("a {{ 'b' -}} c", "a bc")]
    // "{{-1}}" is "{{-" and 1, as in Jinja.
    [InlineData("a {{-1}}", "a1")]
    public void Whitespace_control_marks(string template, string expected) => Assert.Equal(expected, Render(template));

    [Theory]
    // keep_trailing_newline is off: one final newline goes, a second stays.
    [InlineData("x\n", "x")]
    [InlineData("x\n\n", "x\n")]
    // \r\n and \r become \n before anything else, so trim_blocks sees them as newlines.
    [InlineData("a\r\n{% if true %}\r\nb{% endif %}\rc", "a\nbc")]
    public void Newlines(string template, string expected) => Assert.Equal(expected, Render(template));

    [Fact]
    public void An_indented_template_without_marks_keeps_only_the_output_lines()
    {
        // Line 1: trim_blocks takes the newline after {% for %}. Line 2: lstrip_blocks takes the indentation,
        // trim_blocks the newline. Line 3 is text and an output, so "    U: hi\n" stays whole. Line 4 loses
        // its indentation and newline. Line 5: {% endfor %}. The assistant message fails the if.
        const string template = """
            {% for m in messages %}
                {% if m.role == 'user' %}
                U: {{ m.content }}
                {% endif %}
            {% endfor %}
            """;
        Assert.Equal("    U: hi\n", Render(template, ("messages", new[] { User("hi"), Assistant("yo") })));
    }
}
