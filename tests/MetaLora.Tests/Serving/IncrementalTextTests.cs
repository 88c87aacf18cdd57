using MetaLora.Serving;

namespace MetaLora.Tests.Serving;

public sealed class IncrementalTextTests
{
    // Token i decodes to Pieces[i]; the text of a row is the pieces joined.
    private static readonly string[] Pieces = ["Hel", "lo", " wor", "ld", "\n", "\nEND", "x", "\uFFFD", "é", "lo wor"];

    private static string Decode(IReadOnlyList<int> ids) => string.Concat(ids.Select(i => Pieces[i]));

    private static (List<string> Deltas, IncrementalText Row) Feed(IReadOnlyList<string> stops, params int[] ids)
    {
        var row = new IncrementalText(Decode, stops);
        var deltas = new List<string>();
        foreach (var id in ids)
        {
            deltas.Add(row.Add(id));
            if (row.Stopped) break;
        }
        deltas.Add(row.Flush());
        return (deltas, row);
    }

    [Fact]
    public void Without_stops_each_token_gives_its_text_and_the_deltas_add_up_to_the_text()
    {
        var (deltas, row) = Feed([], 0, 1, 2, 3);
        Assert.Equal(["Hel", "lo", " wor", "ld", ""], deltas);
        Assert.Equal("Hello world", row.Text);
        Assert.False(row.Stopped);
    }

    [Fact]
    public void A_stop_sequence_across_tokens_ends_the_row_and_is_not_part_of_the_text()
    {
        // "\n\nEND" arrives as "\n" then "\nEND": the first "\n" could begin it, so it is held back.
        var (deltas, row) = Feed(["\n\n"], 0, 1, 4, 5, 6);
        Assert.Equal(["Hel", "lo", "", "", ""], deltas);
        Assert.True(row.Stopped);
        Assert.Equal("Hello", row.Text);
        Assert.Equal([0, 1, 4, 5], row.Ids);
    }

    [Fact]
    public void Held_back_text_that_turns_out_not_to_be_a_stop_is_given_out_with_the_next_token()
    {
        var (deltas, row) = Feed(["\nSTOP"], 0, 4, 1);
        Assert.Equal(["Hel", "", "\nlo", ""], deltas);
        Assert.Equal("Hel\nlo", row.Text);
        Assert.False(row.Stopped);
    }

    [Fact]
    public void A_partial_character_is_held_until_it_resolves_and_flushed_at_the_end()
    {
        var (deltas, _) = Feed([], 0, 7);
        Assert.Equal(["Hel", "", "\uFFFD"], deltas);
    }

    [Fact]
    public void Text_that_may_begin_a_stop_is_held_and_a_stop_inside_one_token_cuts_it()
    {
        // "Hel" ends in "l", which may begin "lo"; "lo" then completes it.
        var (deltas, row) = Feed(["lo"], 0, 1, 2);
        Assert.Equal(["He", "l", ""], deltas);
        Assert.Equal("Hel", row.Text);
        Assert.True(row.Stopped);
    }

    [Fact]
    public void When_two_stops_appear_with_one_token_the_earlier_in_the_text_wins_whatever_their_order()
    {
        // Token 9 is "lo wor": "Hello wor" holds "o w" at 4 and "lo" at 3.
        Assert.Equal("Hel", Feed(["o w", "lo"], 0, 9).Row.Text);
        Assert.Equal("Hel", Feed(["lo", "o w"], 0, 9).Row.Text);
        Assert.Equal("Hell", Feed(["o w", "wor"], 0, 9).Row.Text);
    }
}
