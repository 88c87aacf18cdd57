using static MetaLora.Tests.Tokenization.Templates.ChatTemplateTestKit;

namespace MetaLora.Tests.Tokenization.Templates;

/// <summary>Expressions, filters, tests, methods and statements, each against what Jinja prints for it.</summary>
public sealed class ChatTemplateExpressionTests
{
    [Theory]
    // Python's str() of each kind of value.
    [InlineData("{{ 'it''s' }} {{ \"it's\" }}", "its it's")]
    [InlineData("{{ 'a\\tb\\\\n\\x41\\u00e9\\'' }}", "a\tb\\nAé'")]
    [InlineData("{{ true }} {{ False }} {{ none }} {{ None }}", "True False None None")]
    [InlineData("{{ [1, 'a', none, true] }}", "[1, 'a', None, True]")]
    [InlineData("{{ {'a': 1, 'b': [2.5]} }}", "{'a': 1, 'b': [2.5]}")]
    [InlineData("{{ (1,) }} {{ (1, 2) }} {{ () }}", "(1,) (1, 2) ()")]
    [InlineData("{{ \"it's\" ~ [\"it's\"] }}", "it's[\"it's\"]")]
    [InlineData("{{ missing }}|{{ missing ~ 'x' }}", "|x")]
    public void Values_print_as_python_str(string template, string expected) => Assert.Equal(expected, Render(template));

    [Theory]
    [InlineData("{{ 1 + 2 * 3 }}", "7")]
    [InlineData("{{ 7 // 2 }} {{ -7 // 2 }} {{ -7 % 3 }} {{ 7 % -3 }}", "3 -4 2 -2")]
    // "/" always gives a float, printed as Python prints floats.
    [InlineData("{{ 7 / 2 }} {{ 4 / 2 }} {{ 0.1 + 0.2 }} {{ 1e-5 }} {{ 1e16 }} {{ 123456789.0 * 10 }}", "3.5 2.0 0.30000000000000004 1e-05 1e+16 1234567890.0")]
    // Jinja's ** is left-associative: (2 ** 3) ** 2.
    [InlineData("{{ 2 ** 3 ** 2 }} {{ 2 ** -1 }}", "64 0.5")]
    [InlineData("{{ 1_000 + true }} {{ -(3) }} {{ 1 ~ 2 }}", "1001 -3 12")]
    [InlineData("{{ 'ab' * 3 }} {{ [0] * 2 }} {{ [1] + [2] }}", "ababab [0, 0] [1, 2]")]
    public void Arithmetic_follows_python(string template, string expected) => Assert.Equal(expected, Render(template));

    [Theory]
    [InlineData("{{ 1 < 2 < 3 }} {{ 1 < 3 < 2 }} {{ 1 == 1.0 }} {{ true == 1 }}", "True False True True")]
    [InlineData("{{ 'a' in 'cat' }} {{ 'x' not in ['y'] }} {{ 'k' in {'k': 1} }} {{ not 'a' in 'b' }}", "True True True True")]
    [InlineData("{{ 'abc' < 'abd' }} {{ [1, 2] < [1, 3] }} {{ none == none }} {{ missing == missing }}", "True True True True")]
    // and/or give one of their operands, as Python's.
    [InlineData("{{ '' or 'd' }} {{ 'a' and 'b' }} {{ none or 0 or [] }} {{ 0 and x.y }}", "d b [] 0")]
    [InlineData("{{ 'y' if 1 else 'n' }}|{{ 'y' if 0 }}|{{ 'a' if false else 'b' if true else 'c' }}", "y||b")]
    public void Comparisons_and_logic(string template, string expected) => Assert.Equal(expected, Render(template));

    [Theory]
    [InlineData("{{ xs[1:] }} {{ xs[:-1] }} {{ xs[::2] }} {{ xs[::-1] }} {{ xs[-2:0:-1] }}", "[2, 3, 4] [1, 2, 3] [1, 3] [4, 3, 2, 1] [3, 2]")]
    [InlineData("{{ xs[-1] }} {{ xs[0] }}|{{ xs[9] }}|{{ xs.0 }}", "4 1||1")]
    [InlineData("{{ 'hello'[1:3] }} {{ 'hello'[-1] }} {{ 'hello'[::-1] }} {{ 'hello'[10:] }}|", "el o olleh |")]
    // Strings index by code point, as Python's: the emoji is one character.
    [InlineData("{{ '😀a'[1] }} {{ '😀a' | length }} {{ '😀ab'[:2] }}", "a 2 😀a")]
    public void Subscripts_and_slices(string template, string expected) =>
        Assert.Equal(expected, Render(template, ("xs", new[] { 1, 2, 3, 4 })));

    [Theory]
    [InlineData("{{ '  a b \\n' | trim }}|{{ 'xxaxx' | trim('x') }}", "a b|a")]
    [InlineData("{{ 'abc' | length }} {{ [1, 2] | count }} {{ {'a': 1} | length }} {{ missing | length }}", "3 2 1 0")]
    [InlineData("{{ 'hI' | upper }} {{ 'hI' | lower }} {{ 'hELLO world' | capitalize }}", "HI hi Hello world")]
    // Jinja's title capitalises after spaces and '-', not after an apostrophe (Python's str.title does).
    [InlineData("{{ \"they're bill's-friends\" | title }}|{{ \"they're\".title() }}", "They're Bill's-Friends|They'Re")]
    [InlineData("{{ xs | first }} {{ xs | last }} {{ 'abc' | first }} {{ [] | first }}|", "1 4 a |")]
    [InlineData("{{ xs | join(', ') }}|{{ 'abc' | join('-') }}|{{ xs | join }}", "1, 2, 3, 4|a-b-c|1234")]
    [InlineData("{{ missing | default('d') }} {{ '' | default('d') }} {{ '' | default('d', true) }} {{ none | d('x', boolean=true) }}", "d  d x")]
    [InlineData("{{ 42 | string ~ '!' }} {{ '42' | int + 1 }} {{ '4.7' | int }} {{ 'x' | int }} {{ 'x' | int(7) }} {{ 3.9 | int }} {{ '2.5' | float }}", "42! 43 4 0 7 3 2.5")]
    [InlineData("{{ 'ab' | list }} {{ xs | reverse | list }} {{ 'abc' | reverse }}", "['a', 'b'] [4, 3, 2, 1] cba")]
    [InlineData("{{ 'a-b-c' | replace('-', '+') }} {{ 'a-b-c' | replace('-', '', 1) }}", "a+b+c ab-c")]
    [InlineData("{{ {'a': 1, 'b': 2} | items | list }}", "[('a', 1), ('b', 2)]")]
    [InlineData("{{ -3 | abs }} {{ - 3 | abs }}", "3 3")]
    public void Filters(string template, string expected) =>
        Assert.Equal(expected, Render(template, ("xs", new[] { 1, 2, 3, 4 })));

    [Theory]
    // transformers' tojson is json.dumps(ensure_ascii=False): ", " and ": " separators, keys in order,
    // non-ASCII as is, control characters escaped.
    [InlineData("{{ {'b': 1, 'a': [true, none, 1.5, 'é\"\\n']} | tojson }}", "{\"b\": 1, \"a\": [true, null, 1.5, \"é\\\"\\n\"]}")]
    [InlineData("{{ 'x' | tojson }} {{ [] | tojson }} {{ {} | tojson(indent=2) }} {{ 2.0 | tojson }}", "\"x\" [] {} 2.0")]
    [InlineData("{{ {'a': [1, 2]} | tojson(indent=2) }}", "{\n  \"a\": [\n    1,\n    2\n  ]\n}")]
    [InlineData("{{ {'b': 1, 'a': 2} | tojson(sort_keys=true) }} {{ 'é' | tojson(ensure_ascii=true) }}", "{\"a\": 2, \"b\": 1} \"\\u00e9\"")]
    public void Tojson(string template, string expected) => Assert.Equal(expected, Render(template));

    [Fact]
    public void Selectattr_map_and_rejectattr_look_up_each_item()
    {
        var messages = new[] { SystemMessage("s"), User("a"), Assistant("b"), User("c") };
        Assert.Equal("a,c|s,b|2|user",
            Render("{{ messages | selectattr('role', 'equalto', 'user') | map(attribute='content') | join(',') }}|"
                + "{{ messages | rejectattr('role', '==', 'user') | map(attribute='content') | join(',') }}|"
                + "{{ messages | selectattr('role', 'eq', 'user') | list | length }}|"
                + "{{ (messages | map(attribute='role') | select('equalto', 'user') | list)[0] }}",
                ("messages", messages)));
    }

    [Theory]
    [InlineData("{{ x is defined }} {{ missing is defined }} {{ missing is undefined }} {{ x is not defined }}", "True False True False")]
    [InlineData("{{ none is none }} {{ 'a' is string }} {{ 1 is number }} {{ 1.5 is number }} {{ true is number }} {{ 'a' is number }}", "True True True True True False")]
    [InlineData("{{ 'a' is iterable }} {{ 1 is iterable }} {{ {} is mapping }} {{ [] is mapping }} {{ [] is sequence }} {{ 1 is sequence }}", "True False True False True False")]
    [InlineData("{{ true is true }} {{ 1 is true }} {{ false is false }} {{ 2 is even }} {{ 3 is odd }} {{ 9 is divisibleby 3 }}", "True False True True True True")]
    [InlineData("{{ 'user' is equalto 'user' }} {{ 1 is eq(2) }} {{ 2 is in [1, 2] }} {{ 'ab' is lower }} {{ 'Ab' is upper }}", "True False True True False")]
    public void Tests(string template, string expected) => Assert.Equal(expected, Render(template, ("x", 1)));

    [Theory]
    [InlineData("{{ '  a  '.strip() }}|{{ '  a  '.lstrip() }}|{{ '  a  '.rstrip() }}|{{ 'xax'.strip('x') }}", "a|a  |  a|a")]
    [InlineData("{{ 'hello'.startswith('he') }} {{ 'hello'.endswith(('x', 'lo')) }} {{ 'hello'.startswith('lo') }}", "True True False")]
    [InlineData("{{ ' a  b '.split() }} {{ 'a,b,,c'.split(',') }} {{ 'a,b,c'.split(',', 1) }}", "['a', 'b'] ['a', 'b', '', 'c'] ['a', 'b,c']")]
    [InlineData("{{ 'aB'.upper() }} {{ 'aB'.lower() }} {{ 'hello world'.title() }} {{ 'a-a'.replace('a', 'b') }} {{ '-'.join(['a', 'b']) }}", "AB ab Hello World b-b a-b")]
    [InlineData("{{ d.items() | list }} {{ d.keys() | list }} {{ d.values() | list }} {{ d.get('a') }} {{ d.get('z') }} {{ d.get('z', 0) }}", "[('a', 1)] ['a'] [1] 1 None 0")]
    public void Methods(string template, string expected) =>
        Assert.Equal(expected, Render(template, ("d", new Dictionary<string, object?> { ["a"] = 1 })));

    [Fact]
    public void Loop_variables()
    {
        Assert.Equal("1/0/3/T/F/3 2/1/2/F/F/3 3/2/1/F/T/3 ",
            Render("{% for x in 'abc' %}{{ loop.index }}/{{ loop.index0 }}/{{ loop.revindex }}/{{ 'T' if loop.first else 'F' }}/{{ 'T' if loop.last else 'F' }}/{{ loop.length }} {% endfor %}"));
        // previtem and nextitem are undefined, so empty, at the ends.
        Assert.Equal("a-b|ab-c|bc-", Render("{% for x in 'abc' %}{{ loop.previtem }}{{ x }}-{{ loop.nextitem }}{{ '|' if not loop.last }}{% endfor %}"));
    }

    [Theory]
    // A loop's filter is applied first, so loop.length and loop.last count the kept items.
    [InlineData("{% for x in xs if x is even %}{{ x }}/{{ loop.length }}{{ ',' if not loop.last }}{% endfor %}", "2/2,4/2")]
    // The else block renders when nothing was looped over.
    [InlineData("{% for x in [] %}{{ x }}{% else %}empty{% endfor %}", "empty")]
    [InlineData("{% for x in xs %}{% if x == 3 %}{% break %}{% endif %}{% if x == 1 %}{% continue %}{% endif %}{{ x }}{% endfor %}", "2")]
    [InlineData("{% for k, v in {'a': 1, 'b': 2}.items() %}{{ k }}={{ v }};{% endfor %}", "a=1;b=2;")]
    [InlineData("{% for (a, b) in [[1, 2]] %}{{ a + b }}{% endfor %}{% for i in range(3) %}{{ i }}{% endfor %}{{ range(5, 0, -2) | list }}", "3012[5, 3, 1]")]
    [InlineData("{% for x in {'k': 1} %}{{ x }}{% endfor %}{% for x in missing %}never{% endfor %}", "k")]
    public void For_loops(string template, string expected) => Assert.Equal(expected, Render(template, ("xs", new[] { 1, 2, 3, 4 })));

    [Theory]
    // A set inside an if belongs to the enclosing scope; inside a loop, to that iteration only.
    [InlineData("{% if true %}{% set x = 1 %}{% endif %}{{ x }}", "1")]
    [InlineData("{% set x = 0 %}{% for i in [1, 2] %}{{ x }}{% set x = i %}{{ x }}{% endfor %}{{ x }}", "01020")]
    [InlineData("{% set ns = namespace(n=0) %}{% for i in [1, 2] %}{% set ns.n = ns.n + i %}{% endfor %}{{ ns.n }}", "3")]
    [InlineData("{% set a, b = 1, 2 %}{{ a }}{{ b }}{% set t = 1, 2 %}{{ t }}", "12(1, 2)")]
    [InlineData("{% set block %}  x {{ 1 }}{% endset %}[{{ block }}]", "[  x 1]")]
    [InlineData("{% set messages = messages[1:] %}{{ messages | length }}", "1")]
    public void Set_and_scopes(string template, string expected) =>
        Assert.Equal(expected, Render(template, ("messages", new[] { User("a"), User("b") })));

    [Fact]
    public void Strftime_now_is_undefined_so_templates_fall_back_to_their_fixed_date()
    {
        // Llama 3.1's template: the date only comes from the clock when strftime_now exists.
        const string template = "{%- if strftime_now is defined %}{%- set date_string = strftime_now('%d %b %Y') %}{%- else %}{%- set date_string = '26 Jul 2024' %}{%- endif %}{{ date_string }}";
        Assert.Equal("26 Jul 2024", Render(template));
    }

    [Fact]
    public void Generation_blocks_render_their_body()
    {
        Assert.Equal("a-b", Render("a{% generation %}-{% endgeneration %}b"));
    }
}
