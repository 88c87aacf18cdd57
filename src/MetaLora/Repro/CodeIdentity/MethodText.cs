using System.Globalization;
using System.Text;
using Mono.Cecil;
using Mono.Cecil.Cil;

namespace MetaLora.Repro.CodeIdentity;

/// <summary>
/// A canonical text of compiled code, so that equal behaviour gives equal text across builds:
/// metadata tokens (which shift when anything is added to the assembly) become the full names of
/// what they point to, branch targets become instruction indices, literals are written invariantly,
/// and data blobs behind array initialisers are included. Comments, formatting and line numbers
/// never reach IL, so they leave the text unchanged.
/// </summary>
internal static class MethodText
{
    public static string Of(MethodDefinition method)
    {
        var sb = new StringBuilder();
        sb.Append(method.FullName).Append(" attrs=").Append((int)method.Attributes).Append(" impl=").Append((int)method.ImplAttributes).Append('\n');
        foreach (var p in method.Parameters)
        {
            sb.Append("param ").Append(p.Index).Append(' ').Append(p.Name).Append(" attrs=").Append((int)p.Attributes);
            if (p.HasConstant) sb.Append(" = ").Append(Literal(p.Constant));
            sb.Append('\n');
            AppendAttributes(sb, p.CustomAttributes);
        }
        foreach (var g in method.GenericParameters) AppendGenericParameter(sb, g);
        foreach (var o in method.Overrides) sb.Append("overrides ").Append(o.FullName).Append('\n');
        AppendAttributes(sb, method.CustomAttributes);
        AppendAttributes(sb, method.MethodReturnType.CustomAttributes);
        if (method.HasPInvokeInfo)
            sb.Append("pinvoke ").Append(method.PInvokeInfo.Module.Name).Append('!').Append(method.PInvokeInfo.EntryPoint)
              .Append(" attrs=").Append((int)method.PInvokeInfo.Attributes).Append('\n');
        if (!method.HasBody) return sb.ToString();

        var body = method.Body;
        sb.Append("initlocals=").Append(body.InitLocals).Append('\n');
        foreach (var v in body.Variables)
            sb.Append("local ").Append(v.Index).Append(' ').Append(v.VariableType.FullName).Append('\n');
        var index = new Dictionary<Instruction, int>();
        for (var i = 0; i < body.Instructions.Count; i++) index[body.Instructions[i]] = i;
        foreach (var h in body.ExceptionHandlers)
            sb.Append("handler ").Append(h.HandlerType).Append(" try ").Append(At(index, h.TryStart)).Append('-').Append(At(index, h.TryEnd))
              .Append(" handler ").Append(At(index, h.HandlerStart)).Append('-').Append(At(index, h.HandlerEnd))
              .Append(" filter ").Append(At(index, h.FilterStart)).Append(" catch ").Append(h.CatchType?.FullName).Append('\n');
        foreach (var instruction in body.Instructions)
        {
            sb.Append(instruction.OpCode.Name);
            switch (instruction.Operand)
            {
                case null: break;
                case Instruction target: sb.Append(" @").Append(At(index, target)); break;
                case Instruction[] targets: sb.Append(" @").AppendJoin(",@", targets.Select(t => At(index, t))); break;
                case FieldReference field:
                    sb.Append(' ').Append(field.FullName);
                    if (field.Resolve() is { InitialValue.Length: > 0 } data)
                        sb.Append(" data=").Append(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(data.InitialValue)));
                    break;
                case MemberReference member: sb.Append(' ').Append(member.FullName); break;
                case VariableDefinition variable: sb.Append(" V_").Append(variable.Index); break;
                case ParameterDefinition parameter: sb.Append(" A_").Append(parameter.Index); break;
                case CallSite site: sb.Append(' ').Append(site.FullName); break;
                default: sb.Append(' ').Append(Literal(instruction.Operand)); break;
            }
            sb.Append('\n');
        }
        return sb.ToString();
    }

    /// <summary>The parts of a type that behave without being code: layout, fields, constants, properties, attributes.</summary>
    public static string Shape(TypeDefinition type)
    {
        var sb = new StringBuilder();
        sb.Append("type ").Append(type.FullName).Append(" attrs=").Append((int)type.Attributes)
          .Append(" base=").Append(type.BaseType?.FullName).Append(" pack=").Append(type.PackingSize).Append(" size=").Append(type.ClassSize).Append('\n');
        foreach (var i in type.Interfaces) sb.Append("implements ").Append(i.InterfaceType.FullName).Append('\n');
        foreach (var g in type.GenericParameters) AppendGenericParameter(sb, g);
        AppendAttributes(sb, type.CustomAttributes);
        foreach (var field in type.Fields)
        {
            // A constant is copied into the code that uses it; only an enum's are read at run time (names, parsing).
            if (field.IsLiteral && !type.IsEnum) continue;
            sb.Append("field ").Append(field.FullName).Append(" attrs=").Append((int)field.Attributes);
            if (field.HasConstant) sb.Append(" = ").Append(Literal(field.Constant));
            if (field.InitialValue is { Length: > 0 } data)
                sb.Append(" data=").Append(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(data)));
            if (field.HasLayoutInfo) sb.Append(" offset=").Append(field.Offset);
            sb.Append('\n');
            AppendAttributes(sb, field.CustomAttributes);
        }
        foreach (var property in type.Properties)
        {
            sb.Append("property ").Append(property.FullName).Append('\n');
            AppendAttributes(sb, property.CustomAttributes);
        }
        return sb.ToString();
    }

    private static void AppendGenericParameter(StringBuilder sb, GenericParameter g)
    {
        sb.Append("generic ").Append(g.Position).Append(" attrs=").Append((int)g.Attributes);
        foreach (var c in g.Constraints) sb.Append(" : ").Append(c.ConstraintType.FullName);
        sb.Append('\n');
    }

    private static void AppendAttributes(StringBuilder sb, IEnumerable<CustomAttribute> attributes)
    {
        foreach (var a in attributes)
        {
            sb.Append('[').Append(a.Constructor.FullName).Append('(');
            sb.AppendJoin(", ", a.ConstructorArguments.Select(Argument));
            foreach (var named in a.Properties) sb.Append(", ").Append(named.Name).Append('=').Append(Argument(named.Argument));
            foreach (var named in a.Fields) sb.Append(", ").Append(named.Name).Append('=').Append(Argument(named.Argument));
            sb.Append(")]\n");
        }
    }

    private static string Argument(CustomAttributeArgument argument) => argument.Value switch
    {
        CustomAttributeArgument[] items => "{" + string.Join(", ", items.Select(Argument)) + "}",
        CustomAttributeArgument boxed => Argument(boxed),
        TypeReference type => "typeof(" + type.FullName + ")",
        var value => argument.Type.FullName + ":" + Literal(value),
    };

    private static string At(Dictionary<Instruction, int> index, Instruction? instruction) =>
        instruction is null ? "end" : index.TryGetValue(instruction, out var i) ? i.ToString(CultureInfo.InvariantCulture) : "?";

    private static string Literal(object? value) => value switch
    {
        null => "null",
        string s => "\"" + s.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal) + "\"",
        double d => BitConverter.DoubleToInt64Bits(d).ToString("x16", CultureInfo.InvariantCulture),
        float f => BitConverter.SingleToInt32Bits(f).ToString("x8", CultureInfo.InvariantCulture),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };
}
