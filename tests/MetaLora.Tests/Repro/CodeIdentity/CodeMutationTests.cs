using System.Globalization;
using MetaLora.Tests.EndToEnd;
using MetaLora.Tests.Support;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Mono.Cecil;
using MetaLora.Repro.CodeIdentity;

namespace MetaLora.Tests.Repro.CodeIdentity;

/// <summary>
/// The stage fingerprints against real edits of the sources, compiled by the real build: one copy of
/// the repository with a changed literal in every source file the stages execute (one per file, so
/// each file's label shows its own edit), and one with comment and formatting edits in every file.
/// Two builds instead of one per file keep the suite to a couple of minutes.
/// </summary>
[Collection(BuildScriptCollection.Name)]
public sealed class CodeMutationTests : IDisposable
{
    private static readonly string[] Folders = ["Distances", "Formats", "Prediction", "Evaluation", "Tokenization", "IO", "Repro", "Layout", "Inference", "Study", "Stages", "Model"];

    private readonly RepoCopy _copy = new();
    private readonly TempDir _out = new();

    public void Dispose()
    {
        _copy.Dispose();
        _out.Dispose();
    }

    private static IEnumerable<string> SourceFiles(string root) =>
        Folders.SelectMany(f => Directory.EnumerateFiles(Path.Combine(root, "src", "MetaLora", f), "*.cs", SearchOption.AllDirectories))
            // Its literals feed the interop code generated from its [LibraryImport]s, which is labelled apart.
            .Where(f => Path.GetFileName(f) != "ReproducibleMath.cs")
            .Order(StringComparer.Ordinal);

    private static string Label(string root, string file) => Path.GetRelativePath(root, file).Replace('\\', '/');

    private CodeBase Build(string name)
    {
        var output = _out[name];
        var result = ToolProcess.Run("dotnet", _copy.Root,
            ["build", "src/MetaLora.Cli/MetaLora.Cli.csproj", "-c", "Debug", "-o", output, "-nologo", "-v", "quiet"], TimeSpan.FromMinutes(8));
        Assert.True(result.ExitCode == 0, $"build of the edited copy failed:\n{result.Output}");
        return CodeBase.Load(output);
    }

    [Fact]
    public void A_changed_literal_reruns_exactly_the_stages_that_run_that_code_and_comments_rerun_nothing()
    {
        using var original = CodeBase.Load(AppContext.BaseDirectory);
        var before = StageFingerprints.Of(original);
        var reaches = StageFingerprints.AllStages().ToDictionary(s => s.Name, s => new Reachability(original, s.Params).From(original.Entries[s.Verb]));
        var reached = reaches.ToDictionary(r => r.Key, r => r.Value.Methods.ToHashSet());
        var touched = reaches.ToDictionary(r => r.Key, r => r.Value.Types.ToHashSet());

        // 1. Comments and formatting in every source file of the library and the tool: nothing changes.
        var originals = new Dictionary<string, string>();
        foreach (var file in Directory.EnumerateFiles(Path.Combine(_copy.Root, "src"), "*.cs", SearchOption.AllDirectories).Where(f => !f.Contains("/obj/", StringComparison.Ordinal)))
        {
            var text = originals[file] = File.ReadAllText(file);
            File.WriteAllText(file, "// A comment added above everything.\n\n" + text.Replace("\n{\n", "\n{\n    // a comment inside\n\n", StringComparison.Ordinal) + "\n// and one below\n");
        }
        using (var commented = Build("commented"))
        {
            var after = StageFingerprints.Of(commented);
            foreach (var (stage, fingerprint) in before)
                Assert.True(fingerprint.SequenceEqual(after[stage]),
                    $"{stage}: a comment-only edit changed {string.Join(", ", fingerprint.Keys.Union(after[stage].Keys).Where(k => fingerprint.GetValueOrDefault(k) != after[stage].GetValueOrDefault(k)))}");
        }
        foreach (var (file, text) in originals) File.WriteAllText(file, text);

        // 2. One changed literal per file, in a method some stage runs.
        var mutations = new List<(string Label, string[] Expected, string Edit)>();
        var unmutated = new List<string>();
        var byFile = MethodsByFile(original);
        foreach (var file in SourceFiles(_copy.Root))
        {
            var label = Label(_copy.Root, file);
            var methods = byFile.GetValueOrDefault(label, []);
            if (!methods.Any(m => reached.Values.Any(r => r.Contains(m.Method)))) continue;
            if (Mutate(file, methods, m => reached.Values.Any(r => r.Contains(m))) is { } mutation)
                mutations.Add((label, reached.Where(r => r.Value.Contains(mutation.Method)).Select(r => r.Key).Order(StringComparer.Ordinal).ToArray(),
                    $"{mutation.Literal} in {mutation.Method.FullName}"));
            // No literal in code that runs (records, options, one-line delegations): a new static field
            // changes the type itself, so every stage that uses the type must rerun.
            else if (AddField(file, original, t => touched.Values.Any(set => set.Contains(t))) is { } type)
                mutations.Add((label, touched.Where(t => t.Value.Contains(type)).Select(t => t.Key).Order(StringComparer.Ordinal).ToArray(), $"a new field in {type.FullName}"));
            else unmutated.Add(label);
        }
        Assert.True(unmutated.Count == 0, $"{mutations.Count} files mutated; nothing to change in: {string.Join(", ", unmutated)}");
        using var mutated = Build("mutated");
        var changed = StageFingerprints.Of(mutated);
        foreach (var (label, expected, edit) in mutations)
        {
            var actual = before.Where(b => b.Value.GetValueOrDefault(label) != changed[b.Key].GetValueOrDefault(label)).Select(b => b.Key).Order(StringComparer.Ordinal).ToArray();
            Assert.True(expected.SequenceEqual(actual),
                $"{label} ({edit}): expected out of date [{string.Join(", ", expected)}], got [{string.Join(", ", actual)}]");
        }
        // Nothing else moved: every entry that is not a mutated file's is the same, and the hash of all
        // the code (what decides) changed for exactly the stages one of whose files changed.
        var mutatedLabels = mutations.Select(m => m.Label).ToHashSet();
        foreach (var (stage, fingerprint) in before)
        {
            foreach (var (label, hash) in fingerprint.Where(e => !mutatedLabels.Contains(e.Key) && e.Key != CodeFingerprint.AllCode))
                Assert.True(changed[stage].GetValueOrDefault(label) == hash, $"{stage}: {label} changed though its file was not edited");
            var fileChanged = fingerprint.Any(e => mutatedLabels.Contains(e.Key) && changed[stage].GetValueOrDefault(e.Key) != e.Value);
            Assert.True(fileChanged == (changed[stage][CodeFingerprint.AllCode] != fingerprint[CodeFingerprint.AllCode]),
                $"{stage}: a file of its code changed: {fileChanged}, but the hash of all its code {(fileChanged ? "did not" : "did")}");
        }
    }

    /// <summary>Methods with source lines, per file label, with the lines their sequence points cover.</summary>
    private static Dictionary<string, List<(MethodDefinition Method, (int First, int Last)[] Lines)>> MethodsByFile(CodeBase code)
    {
        var result = new Dictionary<string, List<(MethodDefinition, (int, int)[])>>(StringComparer.Ordinal);
        foreach (var module in code.Modules)
            foreach (var type in module.GetTypes())
                foreach (var method in type.Methods)
                {
                    var points = method.DebugInformation.SequencePoints.Where(p => !p.IsHidden).ToList();
                    if (points.Count == 0) continue;
                    var url = points[0].Document.Url.Replace('\\', '/');
                    var src = url.LastIndexOf("/src/", StringComparison.Ordinal);
                    if (src < 0) continue;
                    var label = url[(src + 1)..];
                    if (!result.TryGetValue(label, out var list)) result[label] = list = [];
                    list.Add((method, points.Select(p => (p.StartLine, p.EndLine)).ToArray()));
                }
        return result;
    }

    /// <summary>
    /// Changes the first numeric literal that lies in the body of a reachable method (the innermost
    /// method whose lines cover it, so a lambda counts as itself) and is not a constant the compiler
    /// copies elsewhere (const, case labels, attributes, default values).
    /// </summary>
    private static readonly HashSet<string> IntrinsicClasses = ["Sse", "Sse2", "Sse41", "Avx", "Avx2", "Avx512F", "Avx512DQ", "Fma", "AdvSimd"];

    private static (MethodDefinition Method, string Literal)? Mutate(string file, List<(MethodDefinition Method, (int First, int Last)[] Lines)> methods, Func<MethodDefinition, bool> reachable)
    {
        var text = File.ReadAllText(file);
        var tree = CSharpSyntaxTree.ParseText(text);
        // Numbers first, then characters, strings and booleans: whichever the file's running code has.
        var literals = tree.GetRoot().DescendantNodes().OfType<LiteralExpressionSyntax>()
            .OrderBy(l => l.Kind() switch
            {
                SyntaxKind.NumericLiteralExpression => 0,
                SyntaxKind.CharacterLiteralExpression => 1,
                SyntaxKind.StringLiteralExpression => 2,
                _ => 3,
            });
        foreach (var literal in literals)
        {
            if (literal.Ancestors().Any(a => a is AttributeSyntax or ParameterSyntax or CaseSwitchLabelSyntax or ConstantPatternSyntax or SwitchExpressionArmSyntax
                    or RelationalPatternSyntax or EnumMemberDeclarationSyntax or ArrayRankSpecifierSyntax
                    || a is FieldDeclarationSyntax f && f.Modifiers.Any(SyntaxKind.ConstKeyword)
                    || a is LocalDeclarationStatementSyntax d && d.IsConst
                    || a is StackAllocArrayCreationExpressionSyntax))
                continue;
            // A hardware intrinsic's immediate operand must be one of a few constants (a gather's scale is 1, 2, 4 or 8).
            if (literal.Parent is ArgumentSyntax { Parent.Parent: InvocationExpressionSyntax { Expression: MemberAccessExpressionSyntax call } }
                && IntrinsicClasses.Contains(call.Expression.ToString()))
                continue;
            if (!literal.Ancestors().Any(a => a is BlockSyntax or ArrowExpressionClauseSyntax or LambdaExpressionSyntax)) continue;
            var line = literal.GetLocation().GetLineSpan().StartLinePosition.Line + 1;
            // The innermost method with a sequence point on that line (a lambda rather than its host).
            var owner = methods.Where(m => m.Lines.Any(l => l.First <= line && line <= l.Last))
                .OrderBy(m => m.Lines.Max(l => l.Last) - m.Lines.Min(l => l.First)).FirstOrDefault();
            if (owner.Method is null || !reachable(owner.Method)) continue;
            var replacement = Changed(literal.Token);
            if (replacement is null) continue;
            File.WriteAllText(file, text[..literal.SpanStart] + replacement + text[literal.Span.End..]);
            return (owner.Method, $"{literal.Token.Text} -> {replacement} at line {line}");
        }
        return null;
    }

    /// <summary>
    /// Adds a static field to the file's first class, record or struct that some stage uses; returns
    /// that type as the original build has it.
    /// </summary>
    private static TypeDefinition? AddField(string file, CodeBase original, Func<TypeDefinition, bool> used)
    {
        var text = File.ReadAllText(file);
        var root = CSharpSyntaxTree.ParseText(text).GetRoot();
        var ns = root.DescendantNodes().OfType<BaseNamespaceDeclarationSyntax>().FirstOrDefault()?.Name.ToString();
        const string Probe = "private static readonly int MutationProbe = System.Environment.ProcessorCount;";
        foreach (var declaration in root.DescendantNodes().OfType<TypeDeclarationSyntax>().Where(t => t is ClassDeclarationSyntax or RecordDeclarationSyntax or StructDeclarationSyntax))
        {
            var fullName = ns is null ? declaration.Identifier.Text : $"{ns}.{declaration.Identifier.Text}";
            if (declaration.TypeParameterList is { } generics) fullName += "`" + generics.Parameters.Count;
            var type = original.Modules.SelectMany(m => m.Types).FirstOrDefault(t => t.FullName == fullName);
            if (type is null || !used(type)) continue;
            // A positional record ends with ';' instead of a body.
            var edited = declaration.OpenBraceToken.Span.Length > 0
                ? text[..declaration.OpenBraceToken.Span.End] + "\n    " + Probe + "\n" + text[declaration.OpenBraceToken.Span.End..]
                : text[..declaration.SemicolonToken.SpanStart] + "\n{\n    " + Probe + "\n}" + text[declaration.SemicolonToken.Span.End..];
            File.WriteAllText(file, edited);
            return type;
        }
        return null;
    }

    private static string? Changed(SyntaxToken token) => token.Value switch
    {
        bool b => b ? "false" : "true",
        char c when token.Text.Length == 3 && c is >= 'a' and < 'z' or >= 'A' and < 'Z' or >= '0' and < '9' => $"'{(char)(c + 1)}'",
        string when token.Text.StartsWith('"') && !token.Text.StartsWith("\"\"\"", StringComparison.Ordinal) => token.Text[..^1] + "~\"",
        int i when !token.Text.Contains('x', StringComparison.OrdinalIgnoreCase) && i < int.MaxValue => (i + 1).ToString(CultureInfo.InvariantCulture),
        double d when token.Text.All(c => char.IsDigit(c) || c is '.' or 'e' or 'E' or '-' or '+') => (d * 1.5 + 0.5).ToString("R", CultureInfo.InvariantCulture) + (token.Text.Contains('.') || token.Text.Contains('e') || token.Text.Contains('E') ? "" : ".0"),
        _ => null,
    };
}
