using Mono.Cecil;

namespace MetaLora.Tests.Architecture;

/// <summary>
/// Which types of an assembly's hand-written namespaces name which types of its own (or of a given
/// other assembly), read from the compiled IL: base types, interfaces, generic constraints, fields,
/// properties, events, signatures, overrides, attributes (with their typeof and enum arguments) and
/// method bodies (locals, catch clauses and every type, method and field operand). Compiler-made types
/// (closures, state machines) count for the type whose code they hold.
/// </summary>
internal static class NamespaceReferences
{
    /// <summary>One reference from a type to another type in another namespace.</summary>
    public sealed record Reference(string FromNamespace, string FromType, string ToNamespace, string ToType);

    /// <summary>The namespace a name is in; "(global)" for none.</summary>
    public static string NamespaceOf(TypeReference type)
    {
        while (type.DeclaringType is not null) type = type.DeclaringType;
        return type.Namespace.Length == 0 ? "(global)" : type.Namespace;
    }

    /// <summary>Whether a type is written by hand (not generator or compiler output, which the layers do not govern).</summary>
    public static bool IsHandWritten(TypeDefinition type)
    {
        while (type.DeclaringType is not null) type = type.DeclaringType;
        return !type.Name.StartsWith('<')
            && type.Namespace is not ("System.Text.RegularExpressions.Generated" or "System.Runtime.CompilerServices" or "Microsoft.CodeAnalysis");
    }

    /// <summary>The namespaces of the hand-written types.</summary>
    public static SortedSet<string> Namespaces(ModuleDefinition module) =>
        new(module.GetTypes().Where(IsHandWritten).Select(NamespaceOf), StringComparer.Ordinal);

    /// <summary>Every distinct reference between hand-written types of different namespaces of <paramref name="module"/>, and to types of the assemblies named in <paramref name="alsoTo"/>.</summary>
    public static IReadOnlyList<Reference> Of(ModuleDefinition module, params string[] alsoTo)
    {
        var found = new HashSet<Reference>();
        foreach (var type in module.GetTypes().Where(IsHandWritten))
        {
            var fromNamespace = NamespaceOf(type);
            var fromType = Outermost(type).FullName;
            foreach (var target in Named(type))
                foreach (var part in Parts(target))
                {
                    if (part is GenericParameter || !IsTarget(part, module, alsoTo)) continue;
                    var resolved = part.Resolve();
                    if (resolved is not null && !IsHandWritten(resolved)) continue;
                    var toNamespace = NamespaceOf(part);
                    if (toNamespace != fromNamespace)
                        found.Add(new Reference(fromNamespace, fromType, toNamespace, Outermost(part).FullName));
                }
        }
        return found.OrderBy(r => r.FromType, StringComparer.Ordinal).ThenBy(r => r.ToType, StringComparer.Ordinal).ToArray();
    }

    private static TypeReference Outermost(TypeReference type)
    {
        while (type.DeclaringType is not null) type = type.DeclaringType;
        return type;
    }

    private static bool IsTarget(TypeReference type, ModuleDefinition module, string[] alsoTo) => type.Scope switch
    {
        ModuleDefinition scope => scope == module,
        AssemblyNameReference assembly => alsoTo.Contains(assembly.Name, StringComparer.Ordinal),
        _ => false,
    };

    /// <summary>A type reference and the types inside it: element types, generic arguments, modifiers.</summary>
    private static IEnumerable<TypeReference> Parts(TypeReference type)
    {
        switch (type)
        {
            case GenericInstanceType generic:
                foreach (var part in Parts(generic.ElementType)) yield return part;
                foreach (var argument in generic.GenericArguments)
                    foreach (var part in Parts(argument)) yield return part;
                break;
            case IModifierType modified:
                foreach (var part in Parts(modified.ModifierType)) yield return part;
                foreach (var part in Parts(((TypeSpecification)type).ElementType)) yield return part;
                break;
            case TypeSpecification specification:
                foreach (var part in Parts(specification.ElementType)) yield return part;
                break;
            default:
                yield return type;
                break;
        }
    }

    /// <summary>Every type a type definition names, in its declaration and its code.</summary>
    private static IEnumerable<TypeReference> Named(TypeDefinition type)
    {
        if (type.BaseType is not null) yield return type.BaseType;
        foreach (var i in type.Interfaces) yield return i.InterfaceType;
        foreach (var t in Constraints(type.GenericParameters)) yield return t;
        foreach (var t in Attributes(type.CustomAttributes)) yield return t;
        foreach (var field in type.Fields)
        {
            yield return field.FieldType;
            foreach (var t in Attributes(field.CustomAttributes)) yield return t;
        }
        foreach (var property in type.Properties)
        {
            yield return property.PropertyType;
            foreach (var t in Attributes(property.CustomAttributes)) yield return t;
        }
        foreach (var e in type.Events) yield return e.EventType;
        foreach (var method in type.Methods)
            foreach (var t in Named(method)) yield return t;
    }

    private static IEnumerable<TypeReference> Named(MethodDefinition method)
    {
        yield return method.ReturnType;
        foreach (var t in Attributes(method.CustomAttributes)) yield return t;
        foreach (var t in Attributes(method.MethodReturnType.CustomAttributes)) yield return t;
        foreach (var parameter in method.Parameters)
        {
            yield return parameter.ParameterType;
            foreach (var t in Attributes(parameter.CustomAttributes)) yield return t;
        }
        foreach (var t in Constraints(method.GenericParameters)) yield return t;
        foreach (var o in method.Overrides)
            foreach (var t in Named(o)) yield return t;
        if (!method.HasBody) yield break;
        foreach (var variable in method.Body.Variables) yield return variable.VariableType;
        foreach (var handler in method.Body.ExceptionHandlers)
            if (handler.CatchType is not null) yield return handler.CatchType;
        foreach (var instruction in method.Body.Instructions)
            switch (instruction.Operand)
            {
                case TypeReference t:
                    yield return t;
                    break;
                case MethodReference m:
                    foreach (var t in Named(m)) yield return t;
                    break;
                case FieldReference f:
                    yield return f.DeclaringType;
                    yield return f.FieldType;
                    break;
                case CallSite site:
                    yield return site.ReturnType;
                    foreach (var p in site.Parameters) yield return p.ParameterType;
                    break;
            }
    }

    private static IEnumerable<TypeReference> Named(MethodReference method)
    {
        yield return method.DeclaringType;
        yield return method.ReturnType;
        foreach (var p in method.Parameters) yield return p.ParameterType;
        if (method is GenericInstanceMethod generic)
            foreach (var a in generic.GenericArguments) yield return a;
    }

    private static IEnumerable<TypeReference> Constraints(IEnumerable<GenericParameter> parameters) =>
        parameters.SelectMany(p => p.Constraints.Select(c => c.ConstraintType));

    private static IEnumerable<TypeReference> Attributes(IEnumerable<CustomAttribute> attributes)
    {
        foreach (var attribute in attributes)
        {
            yield return attribute.AttributeType;
            foreach (var argument in attribute.ConstructorArguments.Concat(attribute.Properties.Select(p => p.Argument)).Concat(attribute.Fields.Select(f => f.Argument)))
            {
                yield return argument.Type;
                if (argument.Value is TypeReference typeOf) yield return typeOf;
            }
        }
    }
}
