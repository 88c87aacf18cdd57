namespace MetaLora.Bank.Embedded;

/// <summary>
/// The fixed word lists the embedded tasks draw from. Short, common English words, so that GPT-2's BPE
/// keeps most of them as one piece and a tiny model can learn them from a few thousand samples.
/// </summary>
internal static class Words
{
    public static readonly string[] Nouns =
    [
        "cat", "dog", "sun", "tree", "car", "book", "fish", "bird", "house", "river", "apple", "door",
        "hat", "cup", "road", "star", "moon", "rain", "box", "ship", "king", "ball", "milk", "lamp",
        "rock", "bed", "pen", "key", "map", "song",
    ];

    public static readonly string[] Positive = ["good", "happy", "great", "nice", "lovely", "fun", "kind", "warm"];
    public static readonly string[] Negative = ["bad", "sad", "awful", "poor", "ugly", "boring", "rude", "cold"];

    public static readonly string[] Animals = ["cat", "dog", "fish", "bird", "horse", "cow", "mouse", "lion"];
    public static readonly string[] Foods = ["apple", "bread", "rice", "cake", "milk", "soup", "egg", "cheese"];
    public static readonly string[] Colors = ["red", "blue", "green", "black", "white", "yellow", "brown", "pink"];

    public static readonly string[] Fillers = ["the", "a", "this", "my", "our", "that"];

    public static readonly string[] Letters = "abcdefghijklmnopqrstuvwxyz".Select(c => c.ToString()).ToArray();

    /// <summary>English words and their fixed translations; each language is one translation task.</summary>
    public static readonly string[] DictionaryEnglish = ["cat", "dog", "house", "water", "bread", "sun", "book", "red", "big", "small", "tree", "moon"];

    public static readonly IReadOnlyDictionary<string, string[]> Dictionaries = new Dictionary<string, string[]>
    {
        ["french"] = ["chat", "chien", "maison", "eau", "pain", "soleil", "livre", "rouge", "grand", "petit", "arbre", "lune"],
        ["spanish"] = ["gato", "perro", "casa", "agua", "pan", "sol", "libro", "rojo", "grande", "chico", "arbol", "luna"],
        ["german"] = ["katze", "hund", "haus", "wasser", "brot", "sonne", "buch", "rot", "gross", "klein", "baum", "mond"],
        ["italian"] = ["gatto", "cane", "casa", "acqua", "pane", "sole", "libro", "rosso", "grande", "piccolo", "albero", "luna"],
    };
}
