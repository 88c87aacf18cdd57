using MetaLora.Tokenization.Templates;
using static MetaLora.Tests.Tokenization.Templates.ChatTemplateTestKit;

namespace MetaLora.Tests.Tokenization.Templates;

/// <summary>What a template may not do: syntax errors, unknown names, unsupported tags and the bounds on one render.</summary>
public sealed class ChatTemplateErrorTests
{
    [Theory]
    // '}}' is the 10th character of line 2, where an operand was expected.
    [InlineData("Hello\n{{ 'a' + }}", "line 2, column 10: unexpected '}}'")]
    [InlineData("{% if x %}a", "line 1, column 1: 'if' is never closed with 'endif'")]
    [InlineData("{% for x in xs %}{% endif %}", "line 1, column 21: unexpected tag 'endif': the innermost open block ends with 'endfor'")]
    [InlineData("{{ 'abc }}", "line 1, column 4: the string that starts here is never closed")]
    [InlineData("a\n  {{ x", "line 2, column 3: the tag opened here is never closed with '}}'")]
    [InlineData("{{ (1 ] }}", "line 1, column 7: unexpected ']', expected ')'")]
    [InlineData("{{ a @ b }}", "line 1, column 6: unexpected character '@'")]
    [InlineData("{% set true = 1 %}", "line 1, column 8: cannot assign to 'true'")]
    [InlineData("{% break %}", "line 1, column 4: 'break' outside a for loop")]
    [InlineData("{% frobnicate %}", "line 1, column 4: unknown tag 'frobnicate'")]
    [InlineData("{{ 99999999999999999999 }}", "line 1, column 4: the integer 99999999999999999999 does not fit in 64 bits")]
    public void Syntax_errors_name_line_and_column(string template, string message) => Assert.Equal(message, ParseError(template).Message);

    [Theory]
    [InlineData("{% macro m() %}x{% endmacro %}", "macro")]
    [InlineData("{% include 'other.jinja' %}", "include")]
    [InlineData("{% extends 'base.jinja' %}", "extends")]
    [InlineData("{% call m() %}x{% endcall %}", "call")]
    [InlineData("{% raw %}{{ x }}{% endraw %}", "raw")]
    [InlineData("{% for x in xs recursive %}{% endfor %}", "recursive")]
    public void Unsupported_constructs_fail_when_parsed(string template, string construct)
    {
        var e = ParseError(template);
        Assert.Contains($"{construct}", e.Message);
        Assert.Contains("not supported", e.Message);
        Assert.StartsWith("line 1, column ", e.Message);
    }

    [Fact]
    public void Unknown_filters_and_tests_fail_when_parsed()
    {
        Assert.StartsWith("line 1, column 8: unknown filter 'frobnicate' (known filters: ", ParseError("{{ x | frobnicate }}").Message);
        Assert.StartsWith("line 1, column 9: unknown test 'frobnicated' (known tests: ", ParseError("{{ x is frobnicated }}").Message);
    }

    [Theory]
    // Methods outside the whitelist are attributes a string does not have, so calling one fails.
    [InlineData("{{ 'a'.format(1) }}", "line 1, column 4: 'str object' has no attribute 'format'")]
    [InlineData("{{ {'a': 1}.update({}) }}", "line 1, column 4: 'dict object' has no attribute 'update'")]
    [InlineData("{{ [1].append(2) }}", "line 1, column 4: 'list object' has no attribute 'append'")]
    // Undefined prints as nothing, but anything more done with it fails, as in Jinja.
    [InlineData("{{ missing.attr }}", "line 1, column 4: 'missing' is undefined")]
    [InlineData("{{ 'a' + missing }}", "line 1, column 8: 'missing' is undefined")]
    [InlineData("{{ 1 + 'a' }}", "line 1, column 6: unsupported operand types for +: 'int' and 'str'")]
    [InlineData("{{ 1 / 0 }}", "line 1, column 6: division by zero")]
    [InlineData("{{ 9223372036854775807 + 1 }}", "line 1, column 24: integer overflow: the result does not fit in 64 bits")]
    [InlineData("{{ '%s' % 1 }}", "line 1, column 9: string formatting with '%' is not supported")]
    [InlineData("{% set x = 1 %}{% set x.y = 2 %}", "line 1, column 16: cannot set 'x.y': only a namespace() has attributes to set")]
    [InlineData("{{ strftime_now('%Y') }}", "line 1, column 4: strftime_now() is not supported: a rendered prompt must not depend on the clock")]
    [InlineData("{% for a, b in [[1]] %}{% endfor %}", "line 1, column 1: cannot unpack 1 values into 2 names")]
    [InlineData("{{ 'a' < 1 }}", "line 1, column 4: '<' not supported between instances of 'str' and 'int'")]
    public void Run_time_errors_name_line_and_column(string template, string message) => Assert.Equal(message, RenderError(template).Message);

    [Fact]
    public void Raise_exception_gives_exactly_the_templates_message()
    {
        var e = RenderError("{% if true %}{{ raise_exception('Roles must alternate: ' ~ 2) }}{% endif %}");
        Assert.Equal("Roles must alternate: 2", e.Message);
        Assert.True(e.IsRaisedByTemplate);
    }

    [Fact]
    public void The_rendered_prompt_is_bounded()
    {
        // 2,000 iterations of 1,000 characters pass the 1 MiB bound halfway.
        var e = RenderError("{% for i in range(2000) %}{{ 'x' * 1000 }}{% endfor %}");
        Assert.Equal($"line 1, column 27: the rendered prompt is longer than {RenderBudget.MaxChars} characters", e.Message);
        // A single string past the bound is refused before it is built.
        Assert.Contains("the limit is 1048576", RenderError("{{ 'x' * 2000000 }}").Message);
        Assert.Contains("the limit is 1048576", RenderError("{{ 'ab'.replace('a', 'x' * 1000000).replace('x', 'yy') }}").Message);
    }

    [Fact]
    public void Loops_are_bounded()
    {
        // 1,000 x 1,000 iterations pass 100,000 in the 100th outer one.
        var e = RenderError("{% for i in range(1000) %}{% for j in range(1000) %}{% endfor %}{% endfor %}");
        Assert.EndsWith($"the template ran more than {RenderBudget.MaxIterations} loop iterations", e.Message);
        // range() is capped at 100,000 items, as in Jinja's sandbox.
        Assert.Contains("the limit is 100000", RenderError("{{ range(1000000) | length }}").Message);
        Assert.Contains("the limit is 100000", RenderError("{{ [1] * 200000 }}").Message);
    }

    [Fact]
    public void The_characters_a_render_builds_are_bounded()
    {
        // Each iteration builds a string of a million characters; 256 Mi characters stop the render
        // after about 256 iterations, well before the 1,000 the loop asks for.
        var e = RenderError("{% set ns = namespace(s='x' * 1000000) %}{% for i in range(1000) %}{% set t = ns.s ~ i %}{% endfor %}");
        Assert.EndsWith($"the template built more than {RenderBudget.MaxWorkChars} characters of strings", e.Message);
    }

    [Fact]
    public void Nesting_is_bounded()
    {
        var blocks = string.Concat(Enumerable.Repeat("{% if true %}", 70)) + string.Concat(Enumerable.Repeat("{% endif %}", 70));
        Assert.EndsWith($"blocks nest more than {TemplateParser.MaxNesting} levels deep", ParseError(blocks).Message);
        var parentheses = "{{ " + new string('(', 70) + "1" + new string(')', 70) + " }}";
        Assert.EndsWith($"the expression nests more than {ExpressionParser.MaxDepth} levels deep", ParseError(parentheses).Message);
        // A long flat chain parses; evaluating it nests as deep as it is long, which must end in an error, not a crashed process.
        var chain = "{{ " + string.Join(" + ", Enumerable.Repeat("1", 200_000)) + " }}";
        Assert.EndsWith("the expression is nested too deeply to evaluate", RenderError(chain).Message);
    }

    [Fact]
    public void Values_nested_by_a_loop_fail_cleanly()
    {
        // A namespace lets a loop nest a list in itself 40,000 times; comparing, printing or serialising
        // such a value must end in an error, not in a stack overflow.
        const string nest = "{% set ns = namespace(a=[], b=[]) %}{% for i in range(40000) %}{% set ns.a = [ns.a] %}{% set ns.b = [ns.b] %}{% endfor %}";
        Assert.EndsWith("a value is nested too deeply to compare", RenderError(nest + "{{ ns.a == ns.b }}").Message);
        Assert.EndsWith("a value nested more than 64 deep cannot be printed", RenderError(nest + "{{ ns.a }}").Message);
        Assert.EndsWith("tojson: a value nested more than 64 deep", RenderError(nest + "{{ ns.a | tojson }}").Message);
        // The same list is equal to itself without a walk through it.
        Assert.Equal("True", Render(nest + "{{ ns.a == ns.a }}"));
    }

    [Fact]
    public void Messages_are_one_line()
    {
        foreach (var template in new[] { "{{ x |\n\n frobnicate }}", "{% if %}", "{{ '\\n' + 1 }}", "{{ missing.a }}" })
        {
            var e = Assert.ThrowsAny<ChatTemplateException>(() => Render(template));
            Assert.DoesNotContain('\n', e.Message);
        }
    }
}
