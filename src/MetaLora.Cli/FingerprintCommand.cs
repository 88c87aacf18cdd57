using System.CommandLine;
using MetaLora.Repro.CodeIdentity;
using MetaLora.Study;

namespace MetaLora.Cli;

/// <summary>`lora fingerprint --verb V [--param k=v]`: what a stage running that verb is identified by (why a code edit reruns it or not).</summary>
internal static class FingerprintCommand
{
    public static Command Create()
    {
        var verb = new Option<string>("--verb") { Description = "The verb a stage runs, e.g. distances or \"bank build\".", Required = true };
        var param = new Option<string[]>("--param") { Description = "Stage parameter key=value (repeatable), e.g. metric=KL: it selects which alternatives count." };
        var methods = new Option<bool>("--methods") { Description = "List the reachable methods instead, with their source files." };
        var command = new Command("fingerprint",
            "Print the code identity of a stage: a hash per source file whose code the verb can execute (from the tool's IL), " +
            "the embedded resources, packages and native libraries it uses. A stage reruns when any entry changes.")
        {
            verb, param, methods,
        };
        command.SetAction(parse =>
        {
            using var code = CodeBase.Load();
            var parameters = StageParameters.Parse(parse.GetValue(param) ?? []);
            if (parse.GetValue(methods))
            {
                foreach (var line in CodeFingerprint.Methods(code, parse.GetValue(verb)!, parameters)) Console.WriteLine(line);
                return 0;
            }
            foreach (var (label, hash) in CodeFingerprint.Of(code, parse.GetValue(verb)!, parameters))
                Console.WriteLine($"{hash}  {label}");
            return 0;
        });
        return command;
    }
}
