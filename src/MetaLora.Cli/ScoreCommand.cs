using System.CommandLine;
using System.Globalization;
using MetaLora.Evaluation;

namespace MetaLora.Cli;

internal static class ScoreCommand
{
    public static Command Create()
    {
        var file = new Option<string>("--file")
        {
            Description = "JSONL file, one object per line with a prediction (a string) and a reference (a string, or a list of acceptable references).",
            Required = true,
        };
        var predictionField = new Option<string>("--prediction-field") { Description = "Name of the prediction field.", DefaultValueFactory = _ => "prediction" };
        var referenceField = new Option<string>("--reference-field") { Description = "Name of the reference field.", DefaultValueFactory = _ => "reference" };
        var output = new Option<string?>("--out") { Description = "Also write every row's scores and the means to this JSON file." };
        var command = new Command("score",
            "Score predictions against references and print the mean of each score over the rows: exact_match (prediction == reference), " +
            "subsequence_match (the reference occurs in the prediction), rougeL and rougeLsum (F-measure with stemming, as Google's rouge_score). " +
            "Strings are compared as they are (no trimming or case folding). With a list of references, each score is its best over the list.")
        {
            file, predictionField, referenceField, output,
        };
        command.SetAction(parse =>
        {
            var scored = ScoreFile.Run(parse.GetValue(file)!, parse.GetValue(predictionField)!, parse.GetValue(referenceField)!);
            if (parse.GetValue(output) is { } outPath)
                ScoreFile.WriteJson(scored, outPath);
            Console.WriteLine($"{scored.Path}: {scored.Rows.Count} rows");
            var means = scored.Mean.Values;
            for (var k = 0; k < means.Length; k++)
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{SampleScores.Names[k],-18} {means[k]:F6}"));
            return 0;
        });
        return command;
    }
}
