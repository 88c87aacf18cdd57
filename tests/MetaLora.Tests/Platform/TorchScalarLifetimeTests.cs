using Mono.Cecil;
using Mono.Cecil.Cil;

namespace MetaLora.Tests.Platform;

/// <summary>
/// TorchSharp turns a number passed where a <c>Scalar</c> is expected into a native scalar owned by a
/// finalizable object, reads its handle and calls libtorch; from then on nothing references the object,
/// so a garbage collection on another thread can run its finalizer and free the scalar while libtorch
/// still reads it ("Expected false to be true" from Scalar::toFloat, or a wrong value). The same holds
/// for TorchSharp methods that make such a scalar themselves, like <c>Tensor.add(Tensor)</c> with its
/// implicit alpha of 1. This reads the IL of the library and the tool and fails on every call that
/// creates a scalar nothing holds, so the race cannot come back unnoticed.
/// </summary>
public sealed class TorchScalarLifetimeTests
{
    private const string ScalarType = "TorchSharp.Scalar";
    private const string ScalarExtensions = "TorchSharp.ScalarExtensionMethods";

    /// <summary>
    /// Code that runs TorchSharp's own optimizers, which make unheld scalars inside <c>step()</c>; it runs
    /// only while the finalizer thread is parked (the embedded bank's FinalizerHold) or single-threaded.
    /// </summary>
    private static readonly HashSet<string> Exempt = new(StringComparer.Ordinal)
    {
        "MetaLora.Model.Trainer",
        "MetaLora.Prediction.DenseMlp",
    };

    [Fact]
    public void No_call_leaves_a_native_scalar_unheld()
    {
        var resolver = new DefaultAssemblyResolver();
        resolver.AddSearchDirectory(AppContext.BaseDirectory);
        var torchSharp = AssemblyDefinition.ReadAssembly(Path.Combine(AppContext.BaseDirectory, "TorchSharp.dll"), new ReaderParameters { AssemblyResolver = resolver });
        var creators = new UnheldScalarCreators(torchSharp.MainModule);
        var violations = new List<string>();
        var checkedCalls = 0;
        foreach (var name in new[] { "MetaLora.dll", "lora.dll" })
        {
            using var assembly = AssemblyDefinition.ReadAssembly(Path.Combine(AppContext.BaseDirectory, name), new ReaderParameters { AssemblyResolver = resolver });
            foreach (var type in assembly.MainModule.GetTypes())
            {
                if (Exempt.Contains(Outermost(type).FullName)) continue;
                foreach (var method in type.Methods.Where(m => m.HasBody))
                    foreach (var instruction in method.Body.Instructions)
                    {
                        if (instruction.Operand is not MethodReference callee || callee.DeclaringType.Scope.Name is not ("TorchSharp" or "TorchSharp.dll")) continue;
                        checkedCalls++;
                        var where = $"{method.DeclaringType.FullName}::{method.Name}";
                        if (UnheldScalarCreators.IsImplicitConversion(callee))
                            violations.Add($"{where}: implicit conversion to Scalar ({callee.Parameters[0].ParameterType.Name})");
                        else if (UnheldScalarCreators.IsExplicitCreation(callee) && !IsStored(instruction.Next))
                            violations.Add($"{where}: {callee.Name}() whose result is not kept in a local or field");
                        else if (creators.Creates(callee) is { } inner)
                            violations.Add($"{where}: calls {callee.DeclaringType.Name}::{callee.Name}, which makes an unheld Scalar ({inner})");
                    }
            }
        }
        Assert.True(checkedCalls > 200, $"only {checkedCalls} calls into TorchSharp found: the scan read the wrong assemblies");
        Assert.True(violations.Count == 0, string.Join("\n", violations.Distinct()));
    }

    [Fact]
    public void The_scan_finds_the_known_unheld_scalars_in_TorchSharp()
    {
        // The detector itself: Tensor.add(Tensor) passes an implicit alpha of 1, add(Tensor, Scalar) does not.
        var torchSharp = AssemblyDefinition.ReadAssembly(Path.Combine(AppContext.BaseDirectory, "TorchSharp.dll"));
        var creators = new UnheldScalarCreators(torchSharp.MainModule);
        var tensor = torchSharp.MainModule.GetTypes().Single(t => t.FullName == "TorchSharp.torch/Tensor");
        var add = tensor.Methods.Where(m => m.Name == "add").ToArray();
        Assert.NotNull(creators.Creates(add.Single(m => m.Parameters.Count == 1 && m.Parameters[0].ParameterType.Name == "Tensor")));
        Assert.Null(creators.Creates(add.Single(m => m.Parameters.Count == 2 && m.Parameters[0].ParameterType.Name == "Tensor")));
        // Through a call inside TorchSharp: the + operator on two tensors calls add(Tensor).
        var plus = tensor.Methods.Where(m => m.Name == "op_Addition").ToArray();
        Assert.NotNull(creators.Creates(plus.Single(m => m.Parameters.All(p => p.ParameterType.Name == "Tensor"))));
    }

    private static TypeDefinition Outermost(TypeDefinition type)
    {
        while (type.DeclaringType is { } outer) type = outer;
        return type;
    }

    private static bool IsStored(Instruction? next) =>
        next is not null && (next.OpCode.Code is Code.Stloc or Code.Stloc_S or Code.Stloc_0 or Code.Stloc_1 or Code.Stloc_2 or Code.Stloc_3
                             or Code.Stfld or Code.Stsfld);

    /// <summary>
    /// TorchSharp methods that, directly or through the methods they call within TorchSharp, convert a
    /// number to a Scalar and never dispose it.
    /// </summary>
    private sealed class UnheldScalarCreators(ModuleDefinition torchSharp)
    {
        private const int Depth = 4;
        private readonly Dictionary<MethodDefinition, string?> _known = [];

        public static bool IsImplicitConversion(MethodReference m) => m.Name == "op_Implicit" && m.DeclaringType.FullName == ScalarType
                                                                      && m.ReturnType.FullName == ScalarType;

        public static bool IsExplicitCreation(MethodReference m) => m.DeclaringType.FullName == ScalarExtensions && m.ReturnType.FullName == ScalarType;

        /// <summary>Where <paramref name="callee"/> makes an unheld scalar, or null.</summary>
        public string? Creates(MethodReference callee) => Resolve(callee) is { } definition ? Creates(definition, Depth) : null;

        private MethodDefinition? Resolve(MethodReference reference)
        {
            try
            {
                var definition = reference.Resolve();
                return definition?.Module == torchSharp || definition?.Module.Name == torchSharp.Name ? definition : null;
            }
            catch (AssemblyResolutionException)
            {
                return null;
            }
        }

        private string? Creates(MethodDefinition method, int depth)
        {
            if (_known.TryGetValue(method, out var known)) return known;
            if (!method.HasBody || depth == 0) return null;
            _known[method] = null; // recursion guard
            string? found = null;
            var disposesScalars = method.Body.Instructions.Any(i => i.Operand is MethodReference m && m.Name == "Dispose" && m.DeclaringType.FullName == ScalarType);
            foreach (var instruction in method.Body.Instructions)
            {
                if (instruction.Operand is not MethodReference callee) continue;
                if (IsImplicitConversion(callee) || (IsExplicitCreation(callee) && !disposesScalars))
                {
                    found = $"in {method.DeclaringType.Name}::{method.Name}";
                    break;
                }
                // Only calls whose target is known: not virtual dispatch, which could be anything.
                if (instruction.OpCode.Code is Code.Call or Code.Callvirt or Code.Newobj or Code.Ldftn && Resolve(callee) is { } inner
                    && (instruction.OpCode.Code != Code.Callvirt || !inner.IsVirtual || inner.IsFinal)
                    && inner.DeclaringType.FullName != ScalarType && Creates(inner, depth - 1) is { } deeper)
                {
                    found = deeper;
                    break;
                }
            }
            _known[method] = found;
            return found;
        }
    }
}
